import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{h as I}from"./chunk-KCJETWVF.js";import{a as O}from"./chunk-PWZ4XBKT.js";import{c as $}from"./chunk-5WMKUWAN.js";import{spawn as y}from"node:child_process";import{createHash as T}from"node:crypto";var S=`#!/bin/sh
# assetguard fleet host check.
#
# Checks one Linux host in the style of the KISA (Korea Internet & Security Agency) Unix server
# items (numbered as in KISA's 2021 technical vulnerability assessment guide, U-xx) and its
# resources (RES-xx), and prints one JSON line per check:
#
#   {"check":"U-01","title":"...","severity":"HIGH","status":"PASS|FAIL|INFO|ERROR","detail":"..."}
#
# with, where they apply, "item" (what the line is about: a mount point, the host name),
# "count" (how many things were found) and "evidence" (the first of them, as strings). The first
# line is the HOST line (host name, user, OS), the last the END line, whose count is the number
# of check lines before it: a reader that gets no END line, or another count, got a cut output.
#
# A check that cannot read what it needs (not run as root, a file missing or unreadable, a
# process list /proc does not show whole, a timeout) says ERROR or INFO, never PASS. POSIX sh, so
# it runs as AWS-RunShellScript runs it (/bin/sh); it writes nothing and needs no network.
#
# Settings (environment variables, defaults in brackets):
#   ASSETGUARD_ROOT               root of the tree to check [/]: a mounted image, or a planted tree
#                                 in the tests; symbolic links in it are followed within it
#   ASSETGUARD_PROC               the proc file system [$ASSETGUARD_ROOT/proc]
#   ASSETGUARD_FIND_TIMEOUT       seconds each file system search may take, 1 or more [120]
#   ASSETGUARD_MAX_EVIDENCE       items listed in "evidence" [20]
#   ASSETGUARD_PASSWORD_MINLEN    shortest password length U-02 accepts with 3 classes [8]
#   ASSETGUARD_LOCKOUT_MAX        most failed logins U-03 accepts before a lockout [10]
#   ASSETGUARD_SUID_ALLOW         more SUID/SGID file names or absolute paths U-13 accepts,
#                                 space-separated
#   ASSETGUARD_CPU_LOAD_MAX       5-minute load average per CPU RES-CPU accepts [1.5]
#   ASSETGUARD_MEM_MAX_PCT        memory use in percent RES-MEM accepts [90]
#   ASSETGUARD_DISK_MAX_PCT       block and inode use in percent RES-DISK accepts per mount [90]
#   ASSETGUARD_DISK_FSTYPES       file system types RES-DISK checks, space-separated [local disk
#                                 types, see below]
#   ASSETGUARD_ZOMBIE_MAX         zombie processes RES-ZOMBIE accepts [5]
#   ASSETGUARD_PROC_DENY          process names RES-PROC refuses, space-separated [known coin
#                                 miners and botnets]

SCRIPT_VERSION=2
# The checks this script prints, in this order: one line each, RES-DISK one per mounted disk (at
# least one). fleet-check expects a line of every one of them and reports a host whose output
# lacks one as not checked completely; scripts/fleet/embed-script.mjs reads this line into the
# bundles (HOST_CHECK_IDS), so the list is written here only.
CHECK_IDS='U-01 U-02 U-03 U-04 U-44 U-07 U-08 U-06 U-13 U-15 U-19 U-21 U-29 U-60 RES-CPU RES-MEM RES-DISK RES-ZOMBIE RES-PROC'
export LC_ALL=C
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

ROOT=\${ASSETGUARD_ROOT:-/}
# R is prepended to absolute paths: empty for the real root.
R=\${ROOT%/}
PROC=\${ASSETGUARD_PROC:-$R/proc}
CHECKS=0
DEFAULT_IFS=$IFS

# --- JSON output -------------------------------------------------------------------------------

# An awk function that turns a byte string into the inside of a JSON string: quotes, backslashes
# and control characters escaped, valid UTF-8 kept, and every byte that is not part of valid UTF-8
# (a file name in another encoding) written as the text \\xNN, so the line stays valid JSON and the
# name stays readable. Needs ord[] (byte -> number), which ORD_TABLE fills.
AWK_ESC='
function ord_table(   i) { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }
function esc(s,   r, i, n, c, b, k, lo, hi, j, b1, ok) {
  r = ""; n = length(s); i = 1
  while (i <= n) {
    c = substr(s, i, 1); b = ord[c]
    if (c == "\\"") { r = r "\\\\\\""; i++; continue }
    if (c == "\\\\") { r = r "\\\\\\\\"; i++; continue }
    if (b < 32 || b == 127) {
      if (b == 10) r = r "\\\\n"; else if (b == 9) r = r "\\\\t"; else if (b == 13) r = r "\\\\r"
      else r = r sprintf("\\\\u%04x", b)
      i++; continue
    }
    if (b < 128) { r = r c; i++; continue }
    k = 0; lo = 128; hi = 191
    if (b >= 194 && b <= 223) k = 1
    else if (b == 224) { k = 2; lo = 160 }
    else if ((b >= 225 && b <= 236) || b == 238 || b == 239) k = 2
    else if (b == 237) { k = 2; hi = 159 }
    else if (b == 240) { k = 3; lo = 144 }
    else if (b >= 241 && b <= 243) k = 3
    else if (b == 244) { k = 3; hi = 143 }
    ok = (k > 0 && i + k <= n)
    if (ok) { b1 = ord[substr(s, i + 1, 1)]; if (b1 < lo || b1 > hi) ok = 0 }
    for (j = 2; ok && j <= k; j++) { b1 = ord[substr(s, i + j, 1)]; if (b1 < 128 || b1 > 191) ok = 0 }
    if (ok) { r = r substr(s, i, k + 1); i += k + 1 }
    else { r = r sprintf("\\\\\\\\x%02x", b); i++ }
  }
  return r
}'

# emit CHECK SEVERITY STATUS TITLE DETAIL [ITEM]: prints one JSON line. COUNT (digits) and
# EVIDENCE_JSON (a JSON array built by list_names) are added when set, then cleared; MACHINE (the
# HOST line's machine id, 32 hex digits) when set.
emit() {
  case $3 in
    PASS | FAIL | INFO | ERROR) ;;
    # A check whose own commands failed (an awk that refused a program) has decided nothing.
    *) set -- "$1" "$2" ERROR "$4" "the check failed to run (no status): $5" \${6+"$6"} ;;
  esac
  # Only the checks of CHECK_IDS: the list fleet-check expects stays the list this script prints.
  case " $CHECK_IDS HOST END " in
    *" $1 "*) ;;
    *) set -- "$1" "$2" ERROR "$4" "not one of this script's CHECK_IDS: $5" \${6+"$6"} ;;
  esac
  AG_CHECK=$1 AG_SEVERITY=$2 AG_STATUS=$3 AG_TITLE=$4 AG_DETAIL=$5 AG_ITEM=\${6-} \\
    AG_HAS_ITEM=\${6+yes} AG_COUNT=\${COUNT-} AG_EVIDENCE=\${EVIDENCE_JSON-} AG_MACHINE=\${MACHINE-} \\
    awk "$AWK_ESC"'
    BEGIN {
      ord_table()
      line = "{\\"check\\":\\"" esc(ENVIRON["AG_CHECK"]) "\\",\\"title\\":\\"" esc(ENVIRON["AG_TITLE"]) "\\""
      line = line ",\\"severity\\":\\"" ENVIRON["AG_SEVERITY"] "\\",\\"status\\":\\"" ENVIRON["AG_STATUS"] "\\""
      line = line ",\\"detail\\":\\"" esc(ENVIRON["AG_DETAIL"]) "\\""
      if (ENVIRON["AG_HAS_ITEM"] == "yes") line = line ",\\"item\\":\\"" esc(ENVIRON["AG_ITEM"]) "\\""
      if (ENVIRON["AG_COUNT"] ~ /^[0-9]+$/) line = line ",\\"count\\":" (ENVIRON["AG_COUNT"] + 0)
      if (ENVIRON["AG_EVIDENCE"] != "") line = line ",\\"evidence\\":" ENVIRON["AG_EVIDENCE"]
      if (ENVIRON["AG_MACHINE"] ~ /^[0-9a-f]+$/ && length(ENVIRON["AG_MACHINE"]) == 32) line = line ",\\"machine\\":\\"" ENVIRON["AG_MACHINE"] "\\""
      print line "}"
    }' </dev/null
  COUNT=
  EVIDENCE_JSON=
  case $1 in HOST | END) ;; *) CHECKS=$((CHECKS + 1)) ;; esac
}

# Lines of text (one item each) as a JSON array of strings, at most MAX_EVIDENCE of them.
lines_json() {
  printf '%s\\n' "$1" | AG_MAX=$MAX_EVIDENCE awk "$AWK_ESC"'
    BEGIN { ord_table(); out = ""; n = 0 }
    $0 != "" && n < ENVIRON["AG_MAX"] + 0 { out = out (n++ ? "," : "") "\\"" esc($0) "\\"" }
    END { print "[" out "]" }'
}

# --- reading the host --------------------------------------------------------------------------

# A number setting: prints it when it is a non-negative number, else nothing.
number_setting() {
  case $1 in
    '' | *[!0-9.]* | *.*.* | .*) ;;
    *) printf '%s' "$1" ;;
  esac
}

# A whole-number setting: prints it when it is digits without a leading zero (or 0 itself), at
# most 6 of them (so sh arithmetic never overflows), else nothing.
whole_setting() {
  case $1 in
    0 | [1-9] | [1-9][0-9] | [1-9][0-9][0-9] | [1-9][0-9][0-9][0-9] | [1-9][0-9][0-9][0-9][0-9] | [1-9][0-9][0-9][0-9][0-9][0-9])
      printf '%s' "$1"
      ;;
  esac
}

# ASSETGUARD_FIND_TIMEOUT: empty when it is not a whole number of seconds above 0 (timeout 0
# would mean no timeout at all); the searches then say ERROR.
FIND_TIMEOUT=$(whole_setting "\${ASSETGUARD_FIND_TIMEOUT:-120}")
if [ "$FIND_TIMEOUT" = 0 ]; then FIND_TIMEOUT=; fi
MAX_EVIDENCE=$(whole_setting "\${ASSETGUARD_MAX_EVIDENCE:-20}")
SETTING_NOTE=
if [ -z "$MAX_EVIDENCE" ]; then
  MAX_EVIDENCE=20
  SETTING_NOTE="; ASSETGUARD_MAX_EVIDENCE is not a whole number, 20 used"
fi

# in_root PATH: sets IN_ROOT to where the file at PATH (absolute, as the checked host names it)
# is in the tree, every symbolic link on the way followed as the checked host would follow it:
# an absolute target starts again at the root of the tree and ".." stops there, so a link in a
# mounted image or a planted tree never leads to a file of the machine running the check.
# Returns 1 (IN_ROOT empty) when a link cannot be read or links loop. For the real root (R
# empty) the system follows links itself.
in_root() {
  IN_ROOT=
  if [ -z "$R" ]; then
    IN_ROOT=$1
    return 0
  fi
  ir_todo=$1
  ir_done=
  ir_hops=0
  while :; do
    while :; do
      case $ir_todo in /*) ir_todo=\${ir_todo#/} ;; *) break ;; esac
    done
    if [ -z "$ir_todo" ]; then break; fi
    ir_part=\${ir_todo%%/*}
    ir_todo=\${ir_todo#"$ir_part"}
    case $ir_part in
      .) continue ;;
      ..)
        ir_done=\${ir_done%/*}
        continue
        ;;
    esac
    if [ -L "$R$ir_done/$ir_part" ]; then
      ir_hops=$((ir_hops + 1))
      if [ "$ir_hops" -gt 40 ]; then return 1; fi
      ir_target=$(readlink -- "$R$ir_done/$ir_part" 2>/dev/null) || return 1
      if [ -z "$ir_target" ]; then return 1; fi
      case $ir_target in /*) ir_done= ;; esac
      ir_todo=$ir_target$ir_todo
    else
      ir_done=$ir_done/$ir_part
    fi
  done
  IN_ROOT=$R\${ir_done:-/}
}

# Why in_root failed, for a detail.
unfollowed() {
  printf 'cannot follow the symbolic links of %s within %s (a link that cannot be read, or links that loop)' "$1" "$ROOT"
}

# "uid gid mode" of a path (mode in octal, e.g. 0644), from ls -ln (POSIX, unlike stat -c), of
# the file a symbolic link points to (-L), as the programs that read the file see it.
file_facts() {
  # shellcheck disable=SC2012 # ls is read for the mode and numeric owner only, never for names
  ls -lndL -- "$1" 2>/dev/null | awk 'NR == 1 {
    p = substr($1, 2, 9); m = 0
    if (substr(p, 1, 1) == "r") m += 256; if (substr(p, 2, 1) == "w") m += 128
    c = substr(p, 3, 1); if (c == "x" || c == "s") m += 64; if (c == "s" || c == "S") m += 2048
    if (substr(p, 4, 1) == "r") m += 32; if (substr(p, 5, 1) == "w") m += 16
    c = substr(p, 6, 1); if (c == "x" || c == "s") m += 8; if (c == "s" || c == "S") m += 1024
    if (substr(p, 7, 1) == "r") m += 4; if (substr(p, 8, 1) == "w") m += 2
    c = substr(p, 9, 1); if (c == "x" || c == "t") m += 1; if (c == "t" || c == "T") m += 512
    printf "%s %s %04o\\n", $3, $4, m
  }'
}

group_name() {
  if in_root /etc/group; then
    awk -F: -v gid="$1" '$3 == gid { print $1; exit }' "$IN_ROOT" 2>/dev/null
  fi
}

# The system directories the file searches walk (U-06, U-13, U-15), those that exist here.
SYSTEM_DIRS=
for dir in /etc /bin /sbin /usr /lib /lib32 /lib64 /libx32 /boot /opt; do
  if [ -d "$R$dir" ] && [ ! -L "$R$dir" ]; then SYSTEM_DIRS="$SYSTEM_DIRS $dir"; fi
done

# list_names KIND ALLOW FIND-EXPRESSION...: runs find over SYSTEM_DIRS (one file system each,
# -xdev; bounded by FIND_TIMEOUT) and sets FOUND (how many names matched, ALLOW excepted),
# EVIDENCE_JSON (the first MAX_EVIDENCE of them, paths as on the host) and FIND_RC (0: every
# directory read; 124: timed out; other: some directory could not be read). Names travel NUL-
# terminated through od, so no byte of a file name (a newline included) can split or forge one.
# ALLOW: newline-separated base names (accepted outside /usr/local, /opt, /etc and /boot) or
# absolute paths.
list_names() {
  kind=$1
  allow=$2
  shift 2
  FOUND=0
  EVIDENCE_JSON=
  if [ -z "$FIND_TIMEOUT" ]; then
    FIND_RC=setting
    return
  fi
  runner=
  if command -v timeout >/dev/null 2>&1; then runner="timeout $FIND_TIMEOUT"; fi
  set -f
  dirs=
  for dir in $SYSTEM_DIRS; do dirs="$dirs $R$dir"; done
  # shellcheck disable=SC2086 # runner and dirs are split on purpose (set -f: no globbing)
  result=$(
    {
      $runner find $dirs -xdev "$@" -exec printf '%s\\0' {} + 2>/dev/null
      printf '\\0rc=%s\\0' "$?"
    } | od -An -v -tx1 | AG_STRIP=$R AG_ALLOW=$allow AG_MAX=$MAX_EVIDENCE AG_KIND=$kind awk "$AWK_ESC"'
      BEGIN {
        ord_table()
        for (i = 1; i < 256; i++) chr[sprintf("%02x", i)] = sprintf("%c", i)
        n = split(ENVIRON["AG_ALLOW"], list, "\\n")
        for (i = 1; i <= n; i++) if (list[i] != "") allowed[list[i]] = 1
        strip = ENVIRON["AG_STRIP"]; max = ENVIRON["AG_MAX"] + 0
        name = ""; found = 0; out = ""; rc = ""; marker = 0
      }
      function done_name(   path, base) {
        if (name == "") { marker = 1; return }
        if (marker) { rc = substr(name, 4); name = ""; return }
        path = name; name = ""
        if (strip != "" && substr(path, 1, length(strip)) == strip) path = substr(path, length(strip) + 1)
        base = path; sub(/.*\\//, "", base)
        if (path in allowed) return
        if ((base in allowed) && path !~ /^\\/(usr\\/local|opt|etc|boot)\\//) return
        if (found < max) out = out (found ? "," : "") "\\"" esc(path) "\\""
        found++
      }
      { for (f = 1; f <= NF; f++) if ($f == "00") done_name(); else name = name chr[$f] }
      END { printf "%s %d [%s]\\n", (rc == "" ? 1 : rc), found, out }'
  )
  set +f
  FIND_RC=\${result%% *}
  result=\${result#* }
  FOUND=\${result%% *}
  EVIDENCE_JSON=\${result#* }
}

# Process states and names from PROC/<pid>/stat: lines "STATE<TAB>NAME". The name sits between
# the first "(" and the last ")", and may itself hold spaces and parentheses (tabs and line
# breaks in it become spaces). PROCESSES_PROBLEM says why that list is not every process, and is
# empty when it is: a stat that exists but could not be read (another user's process under
# hidepid=1), /proc mounted with hidepid for a user other than root (other users' processes are
# then not even listed), or no process at all. A process that ended while the list was read is
# not a problem. The checks that read processes say ERROR rather than PASS when it is set.
USER_ID=$(id -u 2>/dev/null)
PROCESSES=
PROCESSES_PROBLEM=
if [ ! -d "$PROC" ]; then
  PROCESSES_PROBLEM="cannot read the processes: no $PROC"
else
  # awk reads each stat with getline, which returns -1 for a file it cannot open instead of
  # stopping, and prints "?<TAB>directory" for it.
  read_stats=$(awk 'BEGIN {
    for (a = 1; a < ARGC; a++) {
      file = ARGV[a] "/stat"; text = ""; lines = 0
      while ((got = (getline line < file)) > 0) text = text (lines++ ? " " : "") line
      close(file)
      first = index(text, "("); last = 0
      for (i = length(text); i > first; i--) if (substr(text, i, 1) == ")") { last = i; break }
      if (lines == 0 || first == 0 || last == 0) { print "?\\t" ARGV[a]; continue }
      name = substr(text, first + 1, last - first - 1); gsub(/\\t/, " ", name)
      print substr(text, last + 2, 1) "\\t" name
    }
  }' "$PROC"/[0-9]*)
  PROCESSES=$(printf '%s\\n' "$read_stats" | awk -F '\\t' '$1 != "?" && $1 != ""')
  unread=$(printf '%s\\n' "$read_stats" | awk -F '\\t' '$1 == "?" { print $2 }')
  unreadable=0
  IFS='
'
  set -f
  for dir in $unread; do
    # Gone: the process ended after the list was made. Still there: it could not be read.
    if [ -e "$dir" ]; then unreadable=$((unreadable + 1)); fi
  done
  IFS=$DEFAULT_IFS
  set +f
  # hidepid (1/noaccess, 2/invisible, 4/ptraceable) hides other users' processes from a user who
  # is not root and not in the mount's gid= group; with 2 and 4 their directories are not even
  # listed, so only the mount options tell.
  hidden=
  if [ "$USER_ID" != 0 ]; then
    hidden=$(AG_MOUNT="\${PROC#"$R"}" AG_GROUPS=" $(id -G 2>/dev/null) " awk '
      $3 == "proc" && $2 == ENVIRON["AG_MOUNT"] {
        n = split($4, options, ","); hide = ""; gid = ""
        for (i = 1; i <= n; i++) {
          if (options[i] ~ /^hidepid=/) hide = substr(options[i], 9)
          if (options[i] ~ /^gid=/) gid = substr(options[i], 5)
        }
        if (hide != "" && hide != "0" && hide != "off" && !(gid != "" && index(ENVIRON["AG_GROUPS"], " " gid " "))) print hide
      }' "$PROC/mounts" 2>/dev/null | tail -n 1)
  fi
  if [ -n "$hidden" ]; then
    PROCESSES_PROBLEM="$PROC is mounted with hidepid=$hidden: other users' processes are hidden from uid $USER_ID (run as root)"
  elif [ "$unreadable" -gt 0 ]; then
    PROCESSES_PROBLEM="$unreadable process(es) in $PROC could not be read (run as root)"
  elif [ -z "$PROCESSES" ]; then
    PROCESSES_PROBLEM="cannot read the processes from $PROC"
  fi
fi

# Which of the names (newline-separated) run as processes, one per line.
running() {
  printf '%s\\n' "$PROCESSES" | AG_NAMES=$1 awk -F '\\t' '
    BEGIN { n = split(ENVIRON["AG_NAMES"], list, "\\n"); for (i = 1; i <= n; i++) if (list[i] != "") want[list[i]] = 1 }
    ($2 in want) && !seen[$2]++ { print $2 }'
}

# --- HOST --------------------------------------------------------------------------------------

HOSTNAME_SEEN=$(cat "$PROC/sys/kernel/hostname" 2>/dev/null || uname -n 2>/dev/null)
OS_NAME=
if in_root /etc/os-release; then
  OS_NAME=$(awk -F= '$1 == "PRETTY_NAME" { v = $2; gsub(/^"|"$/, "", v); print v; exit }' "$IN_ROOT" 2>/dev/null)
fi
# The machine id (systemd's /etc/machine-id, 32 hex digits) names this host apart from others
# of the same host name; emit leaves it out when there is none.
MACHINE=
if in_root /etc/machine-id; then
  MACHINE=$(head -n 1 "$IN_ROOT" 2>/dev/null)
fi
if [ "$USER_ID" = 0 ]; then AS=root; else AS="uid \${USER_ID:-unknown}, not root: some checks cannot read what they need"; fi
TREE=
if [ -n "$R" ]; then TREE=", checking the tree $ROOT"; fi
if [ -n "\${ASSETGUARD_PROC:-}" ]; then TREE="$TREE, processes from $PROC"; fi
emit HOST INFORMATIONAL INFO "assetguard host check" "script $SCRIPT_VERSION on \${OS_NAME:-an unknown OS} ($(uname -sr 2>/dev/null)), as $AS$TREE$SETTING_NOTE" "$HOSTNAME_SEEN"
MACHINE=

# --- U-01 root remote login over SSH -----------------------------------------------------------

# The sshd configuration as sshd reads it: Include directives replaced by the files they name
# (relative patterns are relative to /etc/ssh, as sshd resolves them), at most 8 levels deep.
# $1 is the file in the tree, $2 the depth. An included file that exists but cannot be read (or
# whose links cannot be followed) becomes a line "<SOH>unreadable <path>": what it says might
# come first, so check_root_login cannot decide past it.
sshd_flatten() (
  [ "$2" -gt 8 ] && exit 0
  while IFS= read -r line || [ -n "$line" ]; do
    trimmed=\${line#"\${line%%[![:space:]]*}"}
    case $trimmed in
      [Ii][Nn][Cc][Ll][Uu][Dd][Ee][[:space:]=]*)
        patterns=\${trimmed#???????}
        patterns=\${patterns#"\${patterns%%[![:space:]=]*}"}
        set -f
        for pattern in $patterns; do
          case $pattern in /*) ;; *) pattern=/etc/ssh/$pattern ;; esac
          # The directory part, when it has no wildcard, is followed within the tree first.
          glob=$R$pattern
          case \${pattern%/*} in
            *[*?[]*) ;;
            *) if in_root "\${pattern%/*}"; then glob=\${IN_ROOT%/}/\${pattern##*/}; fi ;;
          esac
          set +f
          for file in $glob; do
            if [ ! -e "$file" ] && [ ! -L "$file" ]; then continue; fi
            if in_root "\${file#"$R"}" && [ -f "$IN_ROOT" ] && [ -r "$IN_ROOT" ]; then
              sshd_flatten "$IN_ROOT" $(($2 + 1))
            elif [ ! -d "$IN_ROOT" ]; then
              printf '\\001unreadable %s\\n' "\${file#"$R"}"
            fi
          done
          set -f
        done
        set +f
        ;;
      *) printf '%s\\n' "$line" ;;
    esac
  done <"$1"
)

check_root_login() {
  title="root cannot log in remotely over SSH"
  if ! in_root /etc/ssh/sshd_config; then
    emit U-01 HIGH ERROR "$title" "$(unfollowed /etc/ssh/sshd_config)"
    return
  fi
  config=$IN_ROOT
  if [ ! -e "$config" ]; then
    emit U-01 HIGH INFO "$title" "no /etc/ssh/sshd_config: the OpenSSH server is not installed"
    return
  fi
  if [ ! -r "$config" ]; then
    emit U-01 HIGH ERROR "$title" "cannot read /etc/ssh/sshd_config (run as root)"
    return
  fi
  # The first value wins in sshd_config; settings after the first Match apply only to matching
  # connections, so they are not the global value.
  value=$(sshd_flatten "$config" 0 | awk '
    substr($0, 1, 1) == "\\001" { print "?" substr($0, 13); exit }
    { sub(/^[ \\t]+/, "") }
    /^#/ || $0 == "" { next }
    { split($0, w, /[ \\t=]+/); key = tolower(w[1]) }
    key == "match" { exit }
    key == "permitrootlogin" { print tolower(w[2]); exit }')
  case $value in
    no) emit U-01 HIGH PASS "$title" "PermitRootLogin no" ;;
    yes) emit U-01 HIGH FAIL "$title" "PermitRootLogin yes: root may log in over SSH, with a password too; set PermitRootLogin no" ;;
    prohibit-password | without-password | forced-commands-only)
      emit U-01 HIGH FAIL "$title" "PermitRootLogin $value: root may still log in over SSH with a key; KISA U-01 asks for PermitRootLogin no"
      ;;
    '?'*) emit U-01 HIGH ERROR "$title" "cannot read \${value#?}, which sshd_config includes before any PermitRootLogin (run as root)" ;;
    '') emit U-01 HIGH FAIL "$title" "PermitRootLogin is not set: the OpenSSH default (prohibit-password) lets root log in with a key; set PermitRootLogin no" ;;
    *) emit U-01 HIGH ERROR "$title" "PermitRootLogin has a value sshd does not know: $value" ;;
  esac
}

# --- U-02 password complexity, U-03 account lockout ----------------------------------------------

# The PAM stack files that hold the password and auth rules on Debian/Ubuntu and RHEL/Amazon
# Linux, those that exist, as paths in the tree (links followed within it). A file whose links
# cannot be followed is listed as the link itself, so the readability check that follows names it.
pam_files() {
  for name in "$@"; do
    if in_root "/etc/pam.d/$name"; then
      if [ -f "$IN_ROOT" ]; then printf '%s\\n' "$IN_ROOT"; fi
    else
      printf '%s\\n' "$R/etc/pam.d/$name"
    fi
  done
}

# The configuration files at host path $1 and in the directory $2 (*.conf), those that exist,
# as paths in the tree; "?<path>" for one whose links cannot be followed.
conf_files() {
  if in_root "$1"; then
    if [ -e "$IN_ROOT" ]; then printf '%s\\n' "$IN_ROOT"; fi
  else
    printf '?%s\\n' "$1"
  fi
  if in_root "$2"; then
    for conf in "\${IN_ROOT%/}"/*.conf; do
      if [ ! -e "$conf" ] && [ ! -L "$conf" ]; then continue; fi
      if in_root "$2/\${conf##*/}"; then printf '%s\\n' "$IN_ROOT"; else printf '?%s\\n' "$2/\${conf##*/}"; fi
    done
  else
    printf '?%s\\n' "$2"
  fi
}

# The first of the files (one per line, as conf_files prints them) that cannot be read, as the
# host names it; nothing when every one can.
unreadable_file() {
  printf '%s\\n' "$1" | while IFS= read -r file; do
    case $file in
      '') ;;
      '?'*)
        printf '%s' "\${file#?}"
        break
        ;;
      *)
        if [ ! -r "$file" ] || [ -d "$file" ]; then
          printf '%s' "\${file#"$R"}"
          break
        fi
        ;;
    esac
  done
}

# Arguments of the first uncommented PAM line of TYPE using one of the MODULES (a regex), in
# the FILES; "missing" when there is none.
pam_module_args() {
  type=$1
  modules=$2
  shift 2
  awk -v type="$type" -v modules="$modules" '
    { sub(/^[ \\t]+/, "") }
    /^#/ || $0 == "" { next }
    $1 == type || $1 == "-" type {
      line = $0
      gsub(/\\[[^]]*\\]/, "x", line)
      n = split(line, w, /[ \\t]+/)
      for (i = 3; i <= n; i++) if (w[i] ~ ("(^|/)(" modules ")\\\\.so$")) {
        match(w[i], /[^\\/]+\\.so$/); args = substr(w[i], RSTART, RLENGTH - 3)
        for (j = i + 1; j <= n; j++) args = args " " w[j]
        print args; found = 1; exit
      }
    }
    END { if (!found) print "missing" }' "$@" 2>/dev/null
}

check_password_complexity() {
  title="passwords must be long and mix character classes"
  minimum=$(whole_setting "\${ASSETGUARD_PASSWORD_MINLEN:-8}")
  if [ -z "$minimum" ]; then
    emit U-02 HIGH ERROR "$title" "ASSETGUARD_PASSWORD_MINLEN is not a whole number: \${ASSETGUARD_PASSWORD_MINLEN}"
    return
  fi
  if ! in_root /etc/pam.d; then
    emit U-02 HIGH ERROR "$title" "$(unfollowed /etc/pam.d)"
    return
  fi
  if [ ! -d "$IN_ROOT" ]; then
    emit U-02 HIGH INFO "$title" "no /etc/pam.d: this host does not use PAM, so the check does not apply"
    return
  fi
  files=$(pam_files common-password system-auth password-auth)
  if [ -z "$files" ]; then
    emit U-02 HIGH ERROR "$title" "no PAM password stack (common-password, system-auth or password-auth) in /etc/pam.d"
    return
  fi
  for file in $files; do
    if [ ! -r "$file" ]; then
      emit U-02 HIGH ERROR "$title" "cannot read \${file#"$R"} (run as root)"
      return
    fi
  done
  # shellcheck disable=SC2086 # one path per word
  args=$(pam_module_args password 'pam_pwquality|pam_cracklib' $files)
  if [ "$args" = missing ]; then
    login_defs=
    if in_root /etc/login.defs; then login_defs=$(awk '$1 == "PASS_MIN_LEN" { print $2 }' "$IN_ROOT" 2>/dev/null); fi
    emit U-02 HIGH FAIL "$title" "no pam_pwquality or pam_cracklib in the PAM password stack: nothing enforces length or character classes\${login_defs:+ (PASS_MIN_LEN $login_defs in login.defs is not enforced by PAM)}"
    return
  fi
  # Settings: pwquality.conf, then its .d files, then the module's own arguments (which win).
  # One that cannot be read might set anything: no verdict without it.
  confs=$(conf_files /etc/security/pwquality.conf /etc/security/pwquality.conf.d)
  unreadable=$(unreadable_file "$confs")
  if [ -n "$unreadable" ]; then
    emit U-02 HIGH ERROR "$title" "cannot read $unreadable (run as root)"
    return
  fi
  settings=$(
    printf '%s\\n' "$confs" | while IFS= read -r conf; do
      if [ -n "$conf" ]; then sed -e 's/#.*//' -e 's/[[:space:]]*=[[:space:]]*/=/' "$conf"; fi
    done
    printf '%s\\n' "$args" | tr ' ' '\\n'
  )
  verdict=$(printf '%s\\n' "$settings" | awk -F= -v minimum="$minimum" '
    { gsub(/[ \\t]/, "") }
    $1 ~ /^(minlen|minclass|dcredit|ucredit|lcredit|ocredit)$/ && $2 ~ /^-?[0-9]+$/ { v[$1] = $2 + 0 }
    END {
      minlen = ("minlen" in v) ? v["minlen"] : 8
      classes = ("minclass" in v) ? v["minclass"] : 0
      required = 0
      if (v["dcredit"] < 0) required++; if (v["ucredit"] < 0) required++
      if (v["lcredit"] < 0) required++; if (v["ocredit"] < 0) required++
      if (required > classes) classes = required
      ok = (classes >= 3 && minlen >= minimum) || (classes >= 2 && minlen >= minimum + 2)
      printf "%s minlen %d, %d character classes required (minclass %d, negative credits %d)\\n", (ok ? "PASS" : "FAIL"), minlen, classes, v["minclass"], required
    }')
  status=\${verdict%% *}
  emit U-02 HIGH "$status" "$title" "\${args%% *}: \${verdict#* }; KISA asks for 3 classes and $minimum or more characters (or 2 classes and $((minimum + 2)))"
}

check_account_lockout() {
  title="accounts lock after repeated failed logins"
  most=$(whole_setting "\${ASSETGUARD_LOCKOUT_MAX:-10}")
  if [ -z "$most" ]; then
    emit U-03 HIGH ERROR "$title" "ASSETGUARD_LOCKOUT_MAX is not a whole number: \${ASSETGUARD_LOCKOUT_MAX}"
    return
  fi
  if ! in_root /etc/pam.d; then
    emit U-03 HIGH ERROR "$title" "$(unfollowed /etc/pam.d)"
    return
  fi
  if [ ! -d "$IN_ROOT" ]; then
    emit U-03 HIGH INFO "$title" "no /etc/pam.d: this host does not use PAM, so the check does not apply"
    return
  fi
  files=$(pam_files common-auth system-auth password-auth)
  if [ -z "$files" ]; then
    emit U-03 HIGH ERROR "$title" "no PAM auth stack (common-auth, system-auth or password-auth) in /etc/pam.d"
    return
  fi
  for file in $files; do
    if [ ! -r "$file" ]; then
      emit U-03 HIGH ERROR "$title" "cannot read \${file#"$R"} (run as root)"
      return
    fi
  done
  # shellcheck disable=SC2086 # one path per word
  args=$(pam_module_args auth 'pam_faillock|pam_tally2|pam_tally' $files)
  if [ "$args" = missing ]; then
    emit U-03 HIGH FAIL "$title" "no pam_faillock or pam_tally2 in the PAM auth stack: failed logins never lock an account"
    return
  fi
  module=\${args%% *}
  deny=$(printf '%s\\n' "$args" | tr ' ' '\\n' | awk -F= '$1 == "deny" { print $2 }' | tail -n 1)
  if [ -z "$deny" ] && [ "$module" = pam_faillock ]; then
    # faillock.conf sets deny when the module's arguments do not: one that cannot be read
    # might set anything.
    if ! in_root /etc/security/faillock.conf; then
      emit U-03 HIGH ERROR "$title" "$(unfollowed /etc/security/faillock.conf)"
      return
    fi
    if [ -e "$IN_ROOT" ] && [ ! -r "$IN_ROOT" ]; then
      emit U-03 HIGH ERROR "$title" "cannot read /etc/security/faillock.conf (run as root)"
      return
    fi
    deny=$(sed -e 's/#.*//' "$IN_ROOT" 2>/dev/null | awk -F= '{ gsub(/[ \\t]/, "") } $1 == "deny" { print $2 }' | tail -n 1)
    # pam_faillock locks after 3 failures when deny is not set.
    deny=\${deny:-3}
  fi
  case $deny in
    '' | *[!0-9]*) emit U-03 HIGH FAIL "$title" "$module has no deny= setting: failed logins never lock an account" ;;
    *)
      if [ "$deny" -ge 1 ] && [ "$deny" -le "$most" ]; then
        emit U-03 HIGH PASS "$title" "$module locks an account after $deny failed logins"
      else
        emit U-03 HIGH FAIL "$title" "$module deny=$deny: KISA asks for a lockout after at most $most failed logins"
      fi
      ;;
  esac
}

# --- U-04 password file protection, U-44 UID 0 -------------------------------------------------

check_password_files() {
  title="password hashes only in /etc/shadow, and no empty passwords"
  for file in /etc/passwd /etc/shadow; do
    if ! in_root "$file"; then
      emit U-04 HIGH ERROR "$title" "$(unfollowed "$file")"
      return
    fi
  done
  in_root /etc/passwd
  passwd=$IN_ROOT
  in_root /etc/shadow
  shadow=$IN_ROOT
  if [ ! -r "$passwd" ]; then
    emit U-04 HIGH ERROR "$title" "cannot read /etc/passwd"
    return
  fi
  in_passwd=$(awk -F: '$2 != "x" && $2 != "*" && $2 !~ /^!/ { print $1 }' "$passwd")
  problems=
  if [ -n "$in_passwd" ]; then
    problems="a password or an empty password field in /etc/passwd for: $(printf '%s' "$in_passwd" | tr '\\n' ' ')"
  fi
  shadow_note=
  empty=
  if [ ! -e "$shadow" ]; then
    problems="\${problems:+$problems; }no /etc/shadow"
  elif [ -r "$shadow" ]; then
    empty=$(awk -F: 'NF > 1 && $2 == "" { print $1 }' "$shadow")
    if [ -n "$empty" ]; then
      problems="\${problems:+$problems; }empty password in /etc/shadow (login without a password) for: $(printf '%s' "$empty" | tr '\\n' ' ')"
    fi
  else
    shadow_note="cannot read /etc/shadow (run as root)"
  fi
  if [ -n "$problems" ]; then
    COUNT=$(printf '%s\\n%s\\n' "$in_passwd" "\${empty-}" | grep -c .)
    emit U-04 HIGH FAIL "$title" "$problems"
  elif [ -n "$shadow_note" ]; then
    emit U-04 HIGH ERROR "$title" "$shadow_note"
  else
    emit U-04 HIGH PASS "$title" "every account's password field in /etc/passwd is x, and none is empty in /etc/shadow"
  fi
}

check_uid_zero() {
  title="no account but root has UID 0"
  if ! in_root /etc/passwd; then
    emit U-44 HIGH ERROR "$title" "$(unfollowed /etc/passwd)"
    return
  fi
  if [ ! -r "$IN_ROOT" ]; then
    emit U-44 HIGH ERROR "$title" "cannot read /etc/passwd"
    return
  fi
  others=$(awk -F: '$3 == "0" && $1 != "root" { print $1 }' "$IN_ROOT")
  if [ -n "$others" ]; then
    COUNT=$(printf '%s\\n' "$others" | grep -c .)
    EVIDENCE_JSON=$(lines_json "$others")
    emit U-44 HIGH FAIL "$title" "accounts with UID 0 besides root: $(printf '%s' "$others" | tr '\\n' ' ')"
  else
    emit U-44 HIGH PASS "$title" "only root has UID 0"
  fi
}

# --- U-07, U-08 owner and mode of /etc/passwd and /etc/shadow ----------------------------------

# Both follow symbolic links (to the file every program reads, as U-04 does): a link's own mode
# is always 0777 and says nothing.

check_passwd_mode() {
  title="/etc/passwd is owned by root, mode 644 or stricter"
  if ! in_root /etc/passwd; then
    emit U-07 HIGH ERROR "$title" "$(unfollowed /etc/passwd)"
    return
  fi
  facts=$(file_facts "$IN_ROOT")
  if [ -z "$facts" ]; then
    emit U-07 HIGH ERROR "$title" "cannot read the owner and mode of /etc/passwd"
    return
  fi
  # shellcheck disable=SC2086 # three words: uid gid mode
  set -- $facts
  if [ "$1" = 0 ] && [ $(($3 & 07133)) -eq 0 ]; then
    emit U-07 HIGH PASS "$title" "owner uid 0, mode $3"
  else
    emit U-07 HIGH FAIL "$title" "owner uid $1, mode $3: KISA asks for owner root and mode 644 or stricter"
  fi
}

check_shadow_mode() {
  title="/etc/shadow is owned by root, mode 400 (640 with group shadow) or stricter"
  if ! in_root /etc/shadow; then
    emit U-08 HIGH ERROR "$title" "$(unfollowed /etc/shadow)"
    return
  fi
  facts=$(file_facts "$IN_ROOT")
  if [ -z "$facts" ]; then
    emit U-08 HIGH ERROR "$title" "cannot read the owner and mode of /etc/shadow"
    return
  fi
  # shellcheck disable=SC2086 # three words: uid gid mode
  set -- $facts
  group=$(group_name "$2")
  # KISA's guide asks for 400 (RHEL and Amazon Linux ship 000). Debian and Ubuntu ship 640
  # root:shadow (unix_chkpwd reads it through that group): accepted with that group only.
  allowed=0400
  if [ "$group" = shadow ]; then allowed=0640; fi
  if [ "$1" = 0 ] && [ $(($3 & ~allowed)) -eq 0 ]; then
    emit U-08 HIGH PASS "$title" "owner uid 0, group \${group:-$2}, mode $3"
  else
    emit U-08 HIGH FAIL "$title" "owner uid $1, group \${group:-$2}, mode $3: KISA asks for owner root and mode 400 (at most $allowed here)"
  fi
}

# --- U-06, U-13, U-15 file searches ------------------------------------------------------------

# Say what a search found, or that it could not decide.
report_search() {
  check=$1
  severity=$2
  title=$3
  what=$4
  if [ -z "$SYSTEM_DIRS" ]; then
    emit "$check" "$severity" ERROR "$title" "none of the system directories exists under $ROOT"
    return
  fi
  if [ "$FIND_RC" = setting ]; then
    emit "$check" "$severity" ERROR "$title" "ASSETGUARD_FIND_TIMEOUT is not a whole number of seconds above 0: \${ASSETGUARD_FIND_TIMEOUT-}"
    return
  fi
  incomplete=
  case $FIND_RC in
    0) ;;
    124) incomplete="the search stopped after \${FIND_TIMEOUT}s (ASSETGUARD_FIND_TIMEOUT)" ;;
    *) incomplete="some directories could not be read (run as root)" ;;
  esac
  COUNT=$FOUND
  if [ "$FOUND" -gt 0 ]; then
    emit "$check" "$severity" FAIL "$title" "$FOUND $what in$SYSTEM_DIRS\${incomplete:+; and $incomplete}"
  elif [ -n "$incomplete" ]; then
    EVIDENCE_JSON=
    emit "$check" "$severity" ERROR "$title" "none found so far, but $incomplete"
  else
    EVIDENCE_JSON=
    emit "$check" "$severity" PASS "$title" "no $what in$SYSTEM_DIRS"
  fi
}

check_unowned_files() {
  list_names nouser '' '(' -nouser -o -nogroup ')'
  report_search U-06 HIGH "every file in system directories has an owner and a group" "file(s) whose owner or group does not exist"
}

# SUID/SGID programs a Linux distribution ships and needs (accepted by name outside /usr/local,
# /opt, /etc and /boot). Anything else with the bit set is reported.
SUID_ALLOWED='at
chage
chfn
chsh
crontab
dbus-daemon-launch-helper
expiry
fusermount
fusermount3
gpasswd
ksu
locate
mlocate
mount
mount.cifs
mount.nfs
newgidmap
newgrp
newuidmap
ntfs-3g
pam_timestamp_check
passwd
ping
ping6
pkexec
plocate
polkit-agent-helper-1
pt_chown
sg
snap-confine
ssh-agent
ssh-keysign
staprun
su
sudo
sudoedit
umount
unix_chkpwd
userhelper
usernetctl
utempter
wall
write
write.ul
Xorg.wrap'

check_suid_files() {
  extra=$(printf '%s\\n' "\${ASSETGUARD_SUID_ALLOW:-}" | tr ' ' '\\n')
  list_names suid "$SUID_ALLOWED
$extra" -type f '(' -perm -4000 -o -perm -2000 ')'
  report_search U-13 HIGH "no unexpected SUID or SGID programs" "unexpected SUID/SGID file(s)"
}

check_world_writable() {
  list_names writable '' -type f -perm -0002
  report_search U-15 HIGH "no world-writable files in system directories" "world-writable file(s)"
}

# --- U-19, U-21, U-29, U-60 services that should not run ---------------------------------------

# service_in_use CHECK SEVERITY TITLE PROCESSES UNITS INETD-NAMES: FAIL when one of the processes
# runs, one of the systemd units is enabled, or an inetd/xinetd entry is on; PASS only when the
# processes, the units and the inetd/xinetd files could all be read.
service_in_use() {
  check=$1
  severity=$2
  title=$3
  processes=$4
  units=$5
  names=$6
  found=
  unread=
  for name in $(running "$processes"); do found="$found; process $name running"; done
  if [ -n "$PROCESSES_PROBLEM" ]; then unread="$unread; $PROCESSES_PROBLEM"; fi
  if in_root /etc/systemd/system; then
    systemd=\${IN_ROOT%/}
    for wants in "$systemd"/*.wants; do
      if [ -d "$wants" ] && { [ ! -r "$wants" ] || [ ! -x "$wants" ]; }; then
        unread="$unread; cannot list \${wants#"$R"}"
      fi
    done
    for unit in $units; do
      for link in "$systemd"/*.wants/"$unit"; do
        if [ -e "$link" ] || [ -L "$link" ]; then
          found="$found; unit $unit enabled"
          break
        fi
      done
    done
  else
    unread="$unread; $(unfollowed /etc/systemd/system)"
  fi
  inetd=
  if ! in_root /etc/inetd.conf; then
    unread="$unread; $(unfollowed /etc/inetd.conf)"
  elif [ -e "$IN_ROOT" ]; then
    if [ -f "$IN_ROOT" ] && [ -r "$IN_ROOT" ]; then inetd=$IN_ROOT; else unread="$unread; cannot read /etc/inetd.conf"; fi
  fi
  for name in $names; do
    if [ -n "$inetd" ] && grep -Eq "^[[:space:]]*\${name}[[:space:]]" "$inetd"; then
      found="$found; inetd.conf $name on"
    fi
    if ! in_root "/etc/xinetd.d/$name"; then
      unread="$unread; $(unfollowed "/etc/xinetd.d/$name")"
    elif [ -e "$IN_ROOT" ]; then
      if [ ! -f "$IN_ROOT" ] || [ ! -r "$IN_ROOT" ]; then
        unread="$unread; cannot read /etc/xinetd.d/$name"
      elif ! grep -Eiq '^[[:space:]]*disable[[:space:]]*=[[:space:]]*yes' "$IN_ROOT"; then
        found="$found; xinetd $name on"
      fi
    fi
  done
  if [ -n "$found" ]; then
    emit "$check" "$severity" FAIL "$title" "\${found#; }"
  elif [ -z "$unread" ]; then
    emit "$check" "$severity" PASS "$title" "not running, not enabled in systemd, inetd or xinetd"
  else
    emit "$check" "$severity" ERROR "$title" "not found running or enabled, but not everything could be read: \${unread#; }"
  fi
}

check_services() {
  service_in_use U-19 HIGH "the finger service is off" \\
    'fingerd
in.fingerd
cfingerd
efingerd' 'finger.socket cfingerd.service' 'finger'
  service_in_use U-21 HIGH "r services (rsh, rlogin, rexec) are off" \\
    'rshd
in.rshd
rlogind
in.rlogind
rexecd
in.rexecd' 'rsh.socket rlogin.socket rexec.socket' 'rsh rlogin rexec shell login exec'
  service_in_use U-29 HIGH "tftp and talk are off" \\
    'tftpd
in.tftpd
talkd
in.talkd
in.ntalkd' 'tftp.socket tftp.service tftpd-hpa.service talk.socket ntalk.socket' 'tftp talk ntalk'
  service_in_use U-60 MEDIUM "telnet is off (remote logins use SSH)" \\
    'telnetd
in.telnetd' 'telnet.socket telnetd.socket' 'telnet'
}

# --- resources ---------------------------------------------------------------------------------

check_cpu() {
  title="CPU load is within bounds"
  most=$(number_setting "\${ASSETGUARD_CPU_LOAD_MAX:-1.5}")
  if [ -z "$most" ]; then
    emit RES-CPU MEDIUM ERROR "$title" "ASSETGUARD_CPU_LOAD_MAX is not a number: \${ASSETGUARD_CPU_LOAD_MAX}"
    return
  fi
  load=$(awk '{ print $2; exit }' "$PROC/loadavg" 2>/dev/null)
  cpus=$(grep -c '^cpu[0-9]' "$PROC/stat" 2>/dev/null)
  case $load in '' | *[!0-9.]*) load= ;; esac
  if [ -z "$load" ] || [ -z "$cpus" ] || [ "$cpus" -eq 0 ]; then
    emit RES-CPU MEDIUM ERROR "$title" "cannot read the load average and CPU count from $PROC"
    return
  fi
  result=$(awk -v average="$load" -v cpus="$cpus" -v most="$most" 'BEGIN {
    per = average / cpus; printf "%s %.2f\\n", (per > most ? "FAIL" : "PASS"), per }')
  emit RES-CPU MEDIUM "\${result%% *}" "$title" "5-minute load average $load on $cpus CPU(s): \${result#* } per CPU (at most $most)"
}

check_memory() {
  title="memory use is within bounds"
  most=$(number_setting "\${ASSETGUARD_MEM_MAX_PCT:-90}")
  if [ -z "$most" ]; then
    emit RES-MEM MEDIUM ERROR "$title" "ASSETGUARD_MEM_MAX_PCT is not a number: \${ASSETGUARD_MEM_MAX_PCT}"
    return
  fi
  result=$(awk -v most="$most" '
    { v[$1] = $2 }
    END {
      total = v["MemTotal:"]
      avail = ("MemAvailable:" in v) ? v["MemAvailable:"] : v["MemFree:"] + v["Buffers:"] + v["Cached:"]
      if (total <= 0) exit 1
      used = 100 * (total - avail) / total
      printf "%s %.1f %d %d\\n", (used > most ? "FAIL" : "PASS"), used, (total - avail) / 1024, total / 1024
    }' "$PROC/meminfo" 2>/dev/null)
  if [ -z "$result" ]; then
    emit RES-MEM MEDIUM ERROR "$title" "cannot read $PROC/meminfo"
    return
  fi
  # shellcheck disable=SC2086 # four words: status, percent, used and total MiB
  set -- $result
  emit RES-MEM MEDIUM "$1" "$title" "$2% used ($3 of $4 MiB; at most $most%)"
}

check_disks() {
  most=$(whole_setting "\${ASSETGUARD_DISK_MAX_PCT:-90}")
  if [ -z "$most" ]; then
    emit RES-DISK MEDIUM ERROR "disk use is within bounds" "ASSETGUARD_DISK_MAX_PCT is not a whole number: \${ASSETGUARD_DISK_MAX_PCT}" ""
    return
  fi
  # Local disk file systems only: network file systems can hang df, and pseudo, snap (squashfs)
  # and tmpfs mounts are not disks that fill up with data.
  types=\${ASSETGUARD_DISK_FSTYPES:-ext2 ext3 ext4 xfs btrfs zfs vfat exfat f2fs jfs reiserfs ntfs ntfs3 overlay}
  if [ ! -r "$PROC/mounts" ]; then
    emit RES-DISK MEDIUM ERROR "disk use is within bounds" "cannot read $PROC/mounts" ""
    return
  fi
  mounts=$(awk -v types=" $types " 'index(types, " " $3 " ") && !seen[$2]++ { print $2 }' "$PROC/mounts")
  if [ -z "$mounts" ]; then
    emit RES-DISK MEDIUM INFO "disk use is within bounds" "no mounted file system of a checked type ($types)" ""
    return
  fi
  # One mount point per line (a for loop, not a pipeline, so the lines count towards END).
  checked=0
  IFS='
'
  set -f
  for escaped in $mounts; do
    IFS=$DEFAULT_IFS
    set +f
    # /proc/mounts writes spaces, tabs, newlines and backslashes in paths as octal escapes.
    mount=$(printf '%b' "$(printf '%s' "$escaped" | sed 's/\\\\\\([0-7][0-7][0-7]\\)/\\\\0\\1/g')")
    path=$R$mount
    title="disk use of $mount is within bounds"
    checked=$((checked + 1))
    if [ ! -e "$path" ]; then
      # Listed as mounted but not reachable here (a directory this user cannot enter).
      emit RES-DISK MEDIUM ERROR "$title" "cannot reach the mount point $mount (run as root)" "$mount"
      continue
    fi
    # A file bind-mounted from a disk (a container's /etc/hosts) is not a disk of its own.
    if [ ! -d "$path" ]; then
      checked=$((checked - 1))
      continue
    fi
    blocks=$(df -P -k -- "$path" 2>/dev/null | awk 'NR == 2 { sub(/%$/, "", $5); print $5 }')
    inodes=$(df -P -i -- "$path" 2>/dev/null | awk 'NR == 2 { sub(/%$/, "", $5); print $5 }')
    case $blocks in '' | *[!0-9]*)
      emit RES-DISK MEDIUM ERROR "$title" "df could not read the use of $mount" "$mount"
      continue
      ;;
    esac
    case $inodes in '' | *[!0-9]*) inodes= ;; esac
    status=PASS
    if [ "$blocks" -gt "$most" ] || { [ -n "$inodes" ] && [ "$inodes" -gt "$most" ]; }; then status=FAIL; fi
    emit RES-DISK MEDIUM "$status" "$title" "$blocks% of blocks\${inodes:+ and $inodes% of inodes} used (at most $most%)" "$mount"
  done
  IFS=$DEFAULT_IFS
  set +f
  if [ "$checked" -eq 0 ]; then
    emit RES-DISK MEDIUM INFO "disk use is within bounds" "no mounted directory of a checked type ($types)" ""
  fi
}

check_zombies() {
  title="few zombie processes"
  most=$(whole_setting "\${ASSETGUARD_ZOMBIE_MAX:-5}")
  if [ -z "$most" ]; then
    emit RES-ZOMBIE LOW ERROR "$title" "ASSETGUARD_ZOMBIE_MAX is not a whole number: \${ASSETGUARD_ZOMBIE_MAX}"
    return
  fi
  zombies=$(printf '%s\\n' "$PROCESSES" | awk -F '\\t' '$1 == "Z" { print $2 }')
  COUNT=$(printf '%s\\n' "$zombies" | grep -c .)
  # The processes that could be read are a lower bound: more than the limit among them is a
  # FAIL; fewer is a PASS only when every process was read.
  if [ "$COUNT" -gt "$most" ]; then
    EVIDENCE_JSON=$(lines_json "$zombies")
    emit RES-ZOMBIE LOW FAIL "$title" "$COUNT zombie process(es), more than $most: their parents do not reap them"
  elif [ -n "$PROCESSES_PROBLEM" ]; then
    COUNT=
    emit RES-ZOMBIE LOW ERROR "$title" "$PROCESSES_PROBLEM"
  else
    emit RES-ZOMBIE LOW PASS "$title" "$COUNT zombie process(es) (at most $most)"
  fi
}

check_denied_processes() {
  title="no process on the deny-list runs"
  deny=$(printf '%s\\n' "\${ASSETGUARD_PROC_DENY:-xmrig xmr-stak minerd cpuminer kdevtmpfsi kinsing watchbog masscan zmap}" | tr ' ' '\\n')
  hits=$(running "$deny")
  if [ -n "$hits" ]; then
    COUNT=$(printf '%s\\n' "$hits" | grep -c .)
    EVIDENCE_JSON=$(lines_json "$hits")
    emit RES-PROC HIGH FAIL "$title" "running: $(printf '%s' "$hits" | tr '\\n' ' ')"
  elif [ -n "$PROCESSES_PROBLEM" ]; then
    emit RES-PROC HIGH ERROR "$title" "$PROCESSES_PROBLEM"
  else
    emit RES-PROC HIGH PASS "$title" "none of $(printf '%s' "$deny" | tr '\\n' ' ') runs"
  fi
}

check_root_login
check_password_complexity
check_account_lockout
check_password_files
check_uid_zero
check_passwd_mode
check_shadow_mode
check_unowned_files
check_suid_files
check_world_writable
check_services
check_cpu
check_memory
check_disks
check_zombies
check_denied_processes

COUNT=$CHECKS
emit END INFORMATIONAL INFO "assetguard host check finished" "$CHECKS check line(s) above"
`,g=["U-01","U-02","U-03","U-04","U-44","U-07","U-08","U-06","U-13","U-15","U-19","U-21","U-29","U-60","RES-CPU","RES-MEM","RES-DISK","RES-ZOMBIE","RES-PROC"];var k=["PASS","FAIL","INFO","ERROR"],b=5e3,D=/^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$/,C=new Set(["HOST","END"]);function M(n){return T("sha256").update(n,"utf8").digest("hex")}function Z(){return{text:S,bytes:Buffer.byteLength(S),sha256:M(S)}}var A={ASSETGUARD_FIND_TIMEOUT:{kind:"whole",min:1,max:86400,default:"120",usedBy:"U-06, U-13, U-15: seconds each file search may take"},ASSETGUARD_MAX_EVIDENCE:{kind:"whole",min:0,max:1e3,default:"20",usedBy:"how many items `evidence` lists"},ASSETGUARD_PASSWORD_MINLEN:{kind:"whole",min:1,max:256,default:"8",usedBy:"U-02"},ASSETGUARD_LOCKOUT_MAX:{kind:"whole",min:1,max:1e3,default:"10",usedBy:"U-03"},ASSETGUARD_SUID_ALLOW:{kind:"list",item:/^(?:[\w.+@:=-]+|\/[\w.+@:=/-]+)$/,itemText:"a file name or an absolute path",default:"(none)",usedBy:"U-13: more file names or absolute paths accepted"},ASSETGUARD_CPU_LOAD_MAX:{kind:"decimal",min:0,max:1e3,default:"1.5",usedBy:"RES-CPU"},ASSETGUARD_MEM_MAX_PCT:{kind:"decimal",min:0,max:100,default:"90",usedBy:"RES-MEM"},ASSETGUARD_DISK_MAX_PCT:{kind:"whole",min:0,max:100,default:"90",usedBy:"RES-DISK"},ASSETGUARD_DISK_FSTYPES:{kind:"list",item:/^[a-z0-9._-]+$/,itemText:"a file system type such as ext4",default:"ext2 ext3 ext4 xfs btrfs zfs vfat exfat f2fs jfs reiserfs ntfs ntfs3 overlay",usedBy:"RES-DISK: replaces the list"},ASSETGUARD_ZOMBIE_MAX:{kind:"whole",min:0,max:1e5,default:"5",usedBy:"RES-ZOMBIE"},ASSETGUARD_PROC_DENY:{kind:"list",item:/^[\w.+@:=/-]{1,15}$/,itemText:"a process name of at most 15 characters (the kernel keeps no more of one)",default:"xmrig xmr-stak minerd cpuminer kdevtmpfsi kinsing watchbog masscan zmap",usedBy:"RES-PROC: replaces the list"}},N={ASSETGUARD_ROOT:"a fleet check reports the host it ran on, so the script checks its own / (ASSETGUARD_ROOT is for running scripts/fleet/host-check.sh by hand on a mounted image)",ASSETGUARD_PROC:"a fleet check reports the host it ran on, so the script reads its own /proc (ASSETGUARD_PROC is for running scripts/fleet/host-check.sh by hand)"},H=/^ASSETGUARD_[A-Z0-9_]+$/;function U(n){return Object.prototype.hasOwnProperty.call(A,n)}function G(n,e){if(n.kind==="list"){let s=e.split(" ").filter(o=>o!=="");if(s.length===0)return`one or more items separated by spaces, each ${n.itemText}`;let r=s.find(o=>!n.item.test(o));return r===void 0?void 0:`"${r}" is not ${n.itemText}; items are separated by spaces`}let t=n.kind==="whole"?/^(?:0|[1-9]\d{0,8})$/:/^\d{1,9}(?:\.\d{1,6})?$/,i=Number(e);if(!t.test(e)||i<n.min||i>n.max)return`${n.kind==="whole"?"a whole number":"a number"} from ${n.min} to ${n.max}`}function Q(n,e){let t={},i=Object.keys(A).join(", ");for(let s of n){let r=s.indexOf("="),o=(r<0?s:s.slice(0,r)).trim(),a=r<0?"":s.slice(r+1).trim();if(r<0||!H.test(o))throw new $(`${e}: "${s}" is not ASSETGUARD_NAME=value (e.g. ASSETGUARD_DISK_MAX_PCT=85); entries are separated by commas and newlines, so list values separate their items with spaces (ASSETGUARD_PROC_DENY=xmrig kinsing)`);let c=N[o];if(c!==void 0)throw new $(`${e}: ${o} cannot be set here: ${c}`);if(!U(o))throw new $(`${e}: ${o} is not a setting of the host check script; the settings are ${i} (docs/fleet-check.md)`);if(t[o]!==void 0)throw new $(`${e}: ${o} is given twice`);let l=G(A[o],a);if(l!==void 0)throw new $(`${e}: ${o}=${JSON.stringify(a)}: the value must be ${l}`);t[o]=a}return t}function nn(n,e){let t=Object.entries(e).filter(s=>s[1]!==void 0).map(([s,r])=>`export ${s}='${r}'
`);if(t.length===0)return n;let i=n.startsWith("#!")?n.indexOf(`
`)+1:0;return`${n.slice(0,i)}${t.join("")}${n.slice(i)}`}function v(n){return typeof n=="object"&&n!==null&&!Array.isArray(n)}function P(n){if(!v(n))return"not a JSON object";let{check:e,title:t,severity:i,status:s,detail:r,item:o,count:a,evidence:c}=n;return typeof e!="string"||!(D.test(e)||C.has(e))?'no "check" id such as U-01 or RES-DISK':typeof t!="string"||t===""?'no "title"':typeof i!="string"||!O.includes(i)?`"severity" is not one of ${O.join(", ")}`:typeof s!="string"||!k.includes(s)?`"status" is not one of ${k.join(", ")}`:typeof r!="string"?'no "detail"':o!==void 0&&typeof o!="string"?'"item" is not a string':a!==void 0&&!(Number.isInteger(a)&&a>=0)?'"count" is not a whole number':c!==void 0&&!(Array.isArray(c)&&c.every(l=>typeof l=="string"))?'"evidence" is not a list of strings':{check:e,title:t,severity:i,status:s,detail:r,...o!==void 0&&{item:o},...a!==void 0&&{count:a},...c!==void 0&&{evidence:c}}}function w(n){let e=n.length>120?`${n.slice(0,120)}\u2026`:n;return JSON.stringify(e)}function x(n){return n.item===void 0?n.check:`${n.check} ${n.item}`}var L=/^[0-9a-f]{32}$/;function en(n,e=g){let t={results:[],problems:[]},i=new Set(e),s=new Set,r=n.split(`
`),o=new Set,a,c,l=!1,f=0;for(let[h,p]of r.entries()){let u=p.replace(/\r$/,"");if(u.trim()==="")continue;if(f+=1,f>b){t.problems.push(`the output has more than ${b} lines; the rest were not read`);break}let m=`line ${h+1}`,_;try{_=JSON.parse(u)}catch{t.problems.push(`${m} is not JSON: ${w(u)}`);continue}let d=P(_);if(typeof d=="string"){t.problems.push(`${m} is not a check result (${d}): ${w(u)}`);continue}if(a!==void 0){t.problems.push(`${m} comes after the END line: ${w(u)}`);continue}if(d.check==="HOST"){l&&t.problems.push(`${m} is a second HOST line`),l=!0,d.item!==void 0&&(t.hostname=d.item);let{machine:R}=_;typeof R=="string"&&L.test(R)&&(t.machineId=R),t.about=d.detail;continue}if(d.check==="END"){a=h+1,c=d.count;continue}l||(t.problems.push(`${m} (${d.check}) comes before the HOST line`),l=!0);let E=x(d);if(o.has(E)){t.problems.push(`${m} repeats the check ${E}`);continue}o.add(E),i.has(d.check)||s.add(d.check),t.results.push(d)}if(a===void 0?t.problems.push(f===0?"the output is empty":"the output has no END line: it was cut short (the script was stopped, or its output truncated)"):c!==t.results.length&&t.problems.push(`the END line counts ${c??"no"} check line(s) but ${t.results.length} were read`),f>0){let h=new Set(t.results.map(u=>u.check)),p=e.filter(u=>!h.has(u));p.length>0&&t.problems.push(`the output has no line for ${I(p.length,"check")} of the script (${p.join(", ")}): the host was not checked completely`)}if(s.size>0){let h=[...s];t.problems.push(`the output has lines for ${I(h.length,"check")} the script does not have (${h.slice(0,10).join(", ")}${h.length>10?", \u2026":""}): another script answered`)}return t}function F(n,e){let t=K(n),i=e.item===void 0?"":`/${encodeURIComponent(e.item)}`,s=`${t}${e.check}${i}`;if(s.length<=512)return s;let r=T("sha256").update(e.item??"").digest("hex");return`${t}${e.check}/sha256-${r}`.slice(0,512)}function K(n){let e=n.resource.accountId??"local",t=n.resource.region??"local",i=n.instanceId??n.resource.id;return`assetguard/fleet-check/${e}/${t}/${i}/`}function tn(n,e){return{id:e.check,sourceId:F(n,e),source:"fleet",severity:e.severity,status:"ACTIVE",title:e.item===void 0?e.title:`${e.title} (${e.item})`,description:e.detail,resource:n.resource,packages:[],fixAvailable:"no"}}var B=16*1024*1024;function V(n,e){let t=Object.entries(n).filter(([i])=>!U(i));return{...Object.fromEntries(t),...e}}function sn(n){return Object.fromEntries(Object.keys(N).flatMap(e=>{let t=n[e];return t===void 0||t===""?[]:[[e,t]]}))}function on(n){return new Promise((e,t)=>{let i=y("/bin/sh",["-c",n.script,"assetguard-host-check"],{env:V(process.env,n.settings),stdio:["ignore","pipe","pipe"],detached:!0}),s=[],r=[],o=0,a=f=>h=>{o+=h.length,o<=B&&f.push(h)};i.stdout.on("data",a(s)),i.stderr.on("data",a(r));let c=!1,l=setTimeout(()=>{if(c=!0,i.pid!==void 0)try{process.kill(-i.pid,"SIGKILL")}catch{}},n.timeoutMs);i.on("error",f=>{clearTimeout(l),t(new $(`could not start /bin/sh to run the host check: ${f.message}`))}),i.on("close",f=>{clearTimeout(l),e({stdout:Buffer.concat(s).toString("utf8"),stderr:Buffer.concat(r).toString("utf8"),...f!==null&&{exitCode:f},timedOut:c})})})}export{Z as a,Q as b,nn as c,x as d,en as e,F as f,K as g,tn as h,sn as i,on as j};

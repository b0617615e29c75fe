import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { ConfigurationError } from '../core/errors';
import { plural } from '../core/markdown';
import { SEVERITIES, type Finding, type FindingResource, type Severity } from '../core/model';
import { HOST_CHECK_IDS, HOST_CHECK_SCRIPT } from './host-check-script';

export { HOST_CHECK_IDS };

/**
 * The fleet host check script (scripts/fleet/host-check.sh, embedded at build time so the bundles
 * carry it) and what it prints: one JSON line per check, between a HOST line and an END line.
 * Parsing here is the same for every way the script ran (Run Command output read from S3, or
 * this machine), and fails closed: a line that is not a check result, a duplicate, an output
 * without its END line, or one without a line of every check the script has (HOST_CHECK_IDS) is
 * a problem of that host, never dropped and never a pass.
 */

export const CHECK_STATUSES = ['PASS', 'FAIL', 'INFO', 'ERROR'] as const;
/** PASS/FAIL: decided; INFO: does not apply (nothing to check); ERROR: could not check. */
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** One check line of the script. */
export interface HostCheckResult {
  /** Stable id: a KISA item (`U-01`) or a resource check (`RES-DISK`). */
  check: string;
  title: string;
  severity: Severity;
  status: CheckStatus;
  detail: string;
  /** What the line is about when a check reports per thing (RES-DISK: the mount point). */
  item?: string;
  /** How many things the check found (world-writable files, UID 0 accounts). */
  count?: number;
  /** The first of them. */
  evidence?: string[];
}

/** The script's output, parsed. */
export interface HostCheckOutput {
  /** The host name the script reported on its HOST line. */
  hostname?: string;
  /** The host's /etc/machine-id (32 hex digits), when the HOST line has one. */
  machineId?: string;
  /** The HOST line's detail: script version, OS, the user it ran as. */
  about?: string;
  /** Every check line, in order (HOST and END excluded). */
  results: HostCheckResult[];
  /**
   * Why the output cannot be trusted whole, one sentence each: a malformed line, a repeated
   * check, no END line (cut short), an END count that differs, a check of the script missing, or
   * a check the script does not have. Empty for a clean output.
   */
  problems: string[];
}

/** The most lines one host's output may have; the script prints a few dozen. */
export const MAX_OUTPUT_LINES = 5_000;

/** Check ids as the script writes them: `U-01`, `RES-DISK`. */
const CHECK_ID = /^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$/;
const META_CHECKS = new Set(['HOST', 'END']);

/** sha256 (hex) of a script text, recorded with every run so its evidence names what ran. */
export function scriptDigest(script: string): string {
  return createHash('sha256').update(script, 'utf8').digest('hex');
}

/** The script as shipped: its text, size in bytes and sha256. */
export function hostCheckScript(): { text: string; bytes: number; sha256: string } {
  return {
    text: HOST_CHECK_SCRIPT,
    bytes: Buffer.byteLength(HOST_CHECK_SCRIPT),
    sha256: scriptDigest(HOST_CHECK_SCRIPT),
  };
}

/**
 * The settings `check-settings` may give the script, declared once: docs/fleet-check.md's
 * settings table is tested against this, and the script reads each with the same default.
 * `whole`/`decimal`: a number in [min, max]; `list`: items separated by spaces, each matching
 * `item` (entries of check-settings are separated by commas and newlines, so no value holds a
 * comma). ASSETGUARD_ROOT and ASSETGUARD_PROC are not among them: a fleet check reports the host
 * it ran on, so it checks that host's own / and /proc.
 */
export const SCRIPT_SETTINGS = {
  ASSETGUARD_FIND_TIMEOUT: {
    kind: 'whole',
    min: 1,
    max: 86_400,
    default: '120',
    usedBy: 'U-06, U-13, U-15: seconds each file search may take',
  },
  ASSETGUARD_MAX_EVIDENCE: {
    kind: 'whole',
    min: 0,
    max: 1_000,
    default: '20',
    usedBy: 'how many items `evidence` lists',
  },
  ASSETGUARD_PASSWORD_MINLEN: {
    kind: 'whole',
    min: 1,
    max: 256,
    default: '8',
    usedBy: 'U-02',
  },
  ASSETGUARD_LOCKOUT_MAX: { kind: 'whole', min: 1, max: 1_000, default: '10', usedBy: 'U-03' },
  ASSETGUARD_SUID_ALLOW: {
    kind: 'list',
    item: /^(?:[\w.+@:=-]+|\/[\w.+@:=/-]+)$/,
    itemText: 'a file name or an absolute path',
    default: '(none)',
    usedBy: 'U-13: more file names or absolute paths accepted',
  },
  ASSETGUARD_CPU_LOAD_MAX: {
    kind: 'decimal',
    min: 0,
    max: 1_000,
    default: '1.5',
    usedBy: 'RES-CPU',
  },
  ASSETGUARD_MEM_MAX_PCT: { kind: 'decimal', min: 0, max: 100, default: '90', usedBy: 'RES-MEM' },
  ASSETGUARD_DISK_MAX_PCT: { kind: 'whole', min: 0, max: 100, default: '90', usedBy: 'RES-DISK' },
  ASSETGUARD_DISK_FSTYPES: {
    kind: 'list',
    item: /^[a-z0-9._-]+$/,
    itemText: 'a file system type such as ext4',
    default: 'ext2 ext3 ext4 xfs btrfs zfs vfat exfat f2fs jfs reiserfs ntfs ntfs3 overlay',
    usedBy: 'RES-DISK: replaces the list',
  },
  ASSETGUARD_ZOMBIE_MAX: {
    kind: 'whole',
    min: 0,
    max: 100_000,
    default: '5',
    usedBy: 'RES-ZOMBIE',
  },
  ASSETGUARD_PROC_DENY: {
    kind: 'list',
    // The kernel keeps the first 15 bytes of a process name (TASK_COMM_LEN): a longer name in
    // the list would never match.
    item: /^[\w.+@:=/-]{1,15}$/,
    itemText: 'a process name of at most 15 characters (the kernel keeps no more of one)',
    default: 'xmrig xmr-stak minerd cpuminer kdevtmpfsi kinsing watchbog masscan zmap',
    usedBy: 'RES-PROC: replaces the list',
  },
} as const satisfies Record<string, ScriptSetting>;

/** How one script setting is written and checked. */
export type ScriptSetting = {
  /** The script's own default, as docs/fleet-check.md shows it. */
  default: string;
  /** The checks it changes, as docs/fleet-check.md says. */
  usedBy: string;
} & (
  | { kind: 'whole' | 'decimal'; min: number; max: number }
  | { kind: 'list'; item: RegExp; itemText: string }
);

export type ScriptSettingName = keyof typeof SCRIPT_SETTINGS;

/** Settings the script reads that check-settings refuses, with why. */
const REFUSED_SETTINGS: Record<string, string> = {
  ASSETGUARD_ROOT:
    'a fleet check reports the host it ran on, so the script checks its own / (ASSETGUARD_ROOT is for running scripts/fleet/host-check.sh by hand on a mounted image)',
  ASSETGUARD_PROC:
    'a fleet check reports the host it ran on, so the script reads its own /proc (ASSETGUARD_PROC is for running scripts/fleet/host-check.sh by hand)',
};

const SETTING_NAME = /^ASSETGUARD_[A-Z0-9_]+$/;

function isScriptSetting(name: string): name is ScriptSettingName {
  return Object.prototype.hasOwnProperty.call(SCRIPT_SETTINGS, name);
}

/** Why a value does not fit its setting, or undefined when it does. */
function settingProblem(setting: ScriptSetting, value: string): string | undefined {
  if (setting.kind === 'list') {
    const items = value.split(' ').filter((item) => item !== '');
    if (items.length === 0)
      return `one or more items separated by spaces, each ${setting.itemText}`;
    const bad = items.find((item) => !setting.item.test(item));
    return bad === undefined
      ? undefined
      : `"${bad}" is not ${setting.itemText}; items are separated by spaces`;
  }
  // As the script reads them: digits without a leading zero; a decimal point for decimals.
  const pattern = setting.kind === 'whole' ? /^(?:0|[1-9]\d{0,8})$/ : /^\d{1,9}(?:\.\d{1,6})?$/;
  const number = Number(value);
  if (!pattern.test(value) || number < setting.min || number > setting.max) {
    return `${setting.kind === 'whole' ? 'a whole number' : 'a number'} from ${setting.min} to ${setting.max}`;
  }
  return undefined;
}

/**
 * Checks script settings (`ASSETGUARD_DISK_MAX_PCT=85`), as the `check-settings` input gives
 * them (one entry each; the input's entries are separated by commas and newlines): only the
 * names of SCRIPT_SETTINGS, each once, with a value of its kind. List values separate their items
 * with spaces (`ASSETGUARD_PROC_DENY=xmrig kinsing`). Values are thereby safe inside single
 * quotes in sh.
 * @throws ConfigurationError naming `input`: an entry that is not NAME=value, a name the script
 *   does not read (a typo), ASSETGUARD_ROOT or ASSETGUARD_PROC, a name given twice, a value that
 *   does not fit (a number out of range, an item of a list that is not a name).
 */
export function parseScriptSettings(
  entries: readonly string[],
  input: string,
): Partial<Record<ScriptSettingName, string>> {
  const settings: Partial<Record<ScriptSettingName, string>> = {};
  const names = Object.keys(SCRIPT_SETTINGS).join(', ');
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    const name = (equals < 0 ? entry : entry.slice(0, equals)).trim();
    const value = equals < 0 ? '' : entry.slice(equals + 1).trim();
    if (equals < 0 || !SETTING_NAME.test(name)) {
      throw new ConfigurationError(
        `${input}: "${entry}" is not ASSETGUARD_NAME=value (e.g. ASSETGUARD_DISK_MAX_PCT=85); entries are separated by commas and newlines, so list values separate their items with spaces (ASSETGUARD_PROC_DENY=xmrig kinsing)`,
      );
    }
    const refused = REFUSED_SETTINGS[name];
    if (refused !== undefined) {
      throw new ConfigurationError(`${input}: ${name} cannot be set here: ${refused}`);
    }
    if (!isScriptSetting(name)) {
      throw new ConfigurationError(
        `${input}: ${name} is not a setting of the host check script; the settings are ${names} (docs/fleet-check.md)`,
      );
    }
    if (settings[name] !== undefined) {
      throw new ConfigurationError(`${input}: ${name} is given twice`);
    }
    const problem = settingProblem(SCRIPT_SETTINGS[name], value);
    if (problem !== undefined) {
      throw new ConfigurationError(
        `${input}: ${name}=${JSON.stringify(value)}: the value must be ${problem}`,
      );
    }
    settings[name] = value;
  }
  return settings;
}

/**
 * The script with settings applied as `export NAME='value'` lines right after its `#!` line:
 * what Run Command runs (AWS-RunShellScript has no environment parameter). The values were
 * checked by `parseScriptSettings` and hold no quote.
 */
export function scriptWithSettings(
  script: string,
  settings: Readonly<Partial<Record<string, string>>>,
): string {
  const exports = Object.entries(settings)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `export ${name}='${value}'\n`);
  if (exports.length === 0) return script;
  const newline = script.startsWith('#!') ? script.indexOf('\n') + 1 : 0;
  return `${script.slice(0, newline)}${exports.join('')}${script.slice(newline)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a parsed line is not a check result, or the result. */
function checkLine(value: unknown): HostCheckResult | string {
  if (!isRecord(value)) return 'not a JSON object';
  const { check, title, severity, status, detail, item, count, evidence } = value;
  if (typeof check !== 'string' || !(CHECK_ID.test(check) || META_CHECKS.has(check))) {
    return 'no "check" id such as U-01 or RES-DISK';
  }
  if (typeof title !== 'string' || title === '') return 'no "title"';
  if (typeof severity !== 'string' || !(SEVERITIES as readonly string[]).includes(severity)) {
    return `"severity" is not one of ${SEVERITIES.join(', ')}`;
  }
  if (typeof status !== 'string' || !(CHECK_STATUSES as readonly string[]).includes(status)) {
    return `"status" is not one of ${CHECK_STATUSES.join(', ')}`;
  }
  if (typeof detail !== 'string') return 'no "detail"';
  if (item !== undefined && typeof item !== 'string') return '"item" is not a string';
  if (count !== undefined && !(Number.isInteger(count) && (count as number) >= 0)) {
    return '"count" is not a whole number';
  }
  if (
    evidence !== undefined &&
    !(Array.isArray(evidence) && evidence.every((entry) => typeof entry === 'string'))
  ) {
    return '"evidence" is not a list of strings';
  }
  return {
    check,
    title,
    severity: severity as Severity,
    status: status as CheckStatus,
    detail,
    ...(item !== undefined && { item }),
    ...(count !== undefined && { count: count as number }),
    ...(evidence !== undefined && { evidence }),
  };
}

/** What a line looked like, for a problem message: at most 120 characters of it. */
function excerpt(line: string): string {
  const short = line.length > 120 ? `${line.slice(0, 120)}…` : line;
  return JSON.stringify(short);
}

/**
 * The key of a result within one host: its check id, and its item when the check reports per
 * item (`RES-DISK /var`). Two lines of one host never share a key.
 */
export function resultKey(result: Pick<HostCheckResult, 'check' | 'item'>): string {
  return result.item === undefined ? result.check : `${result.check} ${result.item}`;
}

/** /etc/machine-id: 32 lower-case hex digits. */
const MACHINE_ID = /^[0-9a-f]{32}$/;

/**
 * Parses the script's stdout (UTF-8 text; a trailing newline or blank lines are fine). Every
 * other line is a problem: not JSON, missing or mistyped fields, a check line before HOST or
 * after END, the same check (and item) twice, no END line, an END count that differs from the
 * check lines read, or more than MAX_OUTPUT_LINES lines. So is an output without a line of each
 * of `expected` (the shipped script's checks by default): a host that printed HOST and END and
 * nothing between was not checked. A check id outside `expected` is a problem too (another
 * script answered), its line kept. Pure; never throws.
 */
export function parseHostCheckOutput(
  text: string,
  expected: readonly string[] = HOST_CHECK_IDS,
): HostCheckOutput {
  const output: HostCheckOutput = { results: [], problems: [] };
  const known = new Set(expected);
  const unknown = new Set<string>();
  const lines = text.split('\n');
  const seen = new Set<string>();
  let ended: number | undefined;
  let endCount: number | undefined;
  let started = false;
  let read = 0;
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    read += 1;
    if (read > MAX_OUTPUT_LINES) {
      output.problems.push(
        `the output has more than ${MAX_OUTPUT_LINES} lines; the rest were not read`,
      );
      break;
    }
    const where = `line ${index + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      output.problems.push(`${where} is not JSON: ${excerpt(line)}`);
      continue;
    }
    const result = checkLine(parsed);
    if (typeof result === 'string') {
      output.problems.push(`${where} is not a check result (${result}): ${excerpt(line)}`);
      continue;
    }
    if (ended !== undefined) {
      output.problems.push(`${where} comes after the END line: ${excerpt(line)}`);
      continue;
    }
    if (result.check === 'HOST') {
      if (started) output.problems.push(`${where} is a second HOST line`);
      started = true;
      if (result.item !== undefined) output.hostname = result.item;
      const { machine } = parsed as { machine?: unknown };
      if (typeof machine === 'string' && MACHINE_ID.test(machine)) output.machineId = machine;
      output.about = result.detail;
      continue;
    }
    if (result.check === 'END') {
      ended = index + 1;
      endCount = result.count;
      continue;
    }
    if (!started) {
      output.problems.push(`${where} (${result.check}) comes before the HOST line`);
      started = true;
    }
    const key = resultKey(result);
    if (seen.has(key)) {
      output.problems.push(`${where} repeats the check ${key}`);
      continue;
    }
    seen.add(key);
    if (!known.has(result.check)) unknown.add(result.check);
    output.results.push(result);
  }
  if (ended === undefined) {
    output.problems.push(
      read === 0
        ? 'the output is empty'
        : 'the output has no END line: it was cut short (the script was stopped, or its output truncated)',
    );
  } else if (endCount !== output.results.length) {
    output.problems.push(
      `the END line counts ${endCount ?? 'no'} check line(s) but ${output.results.length} were read`,
    );
  }
  if (read > 0) {
    const printed = new Set(output.results.map((result) => result.check));
    const missing = expected.filter((id) => !printed.has(id));
    if (missing.length > 0) {
      output.problems.push(
        `the output has no line for ${plural(missing.length, 'check')} of the script (${missing.join(', ')}): the host was not checked completely`,
      );
    }
  }
  if (unknown.size > 0) {
    const ids = [...unknown];
    output.problems.push(
      `the output has lines for ${plural(ids.length, 'check')} the script does not have (${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}): another script answered`,
    );
  }
  return output;
}

/** Where one host's results were produced: an EC2 instance through Run Command, or this machine. */
export interface CheckedHost {
  /**
   * The instance ARN, or `host/<machine id>` for this machine (`host/<host name>` when it has no
   * readable /etc/machine-id).
   */
  resource: FindingResource;
  /** The EC2 instance id, for Run Command targets. */
  instanceId?: string;
}

/**
 * The deterministic id of one result of one host: the same account, region, host and check
 * (and item) give the same id every run, so Security Hub updates its finding in place (and
 * archives it when the check passes again) instead of adding one per run. At most 512
 * characters (ASFF's limit); a longer item is replaced by its sha256.
 */
export function fleetFindingId(
  host: CheckedHost,
  result: Pick<HostCheckResult, 'check' | 'item'>,
): string {
  const prefix = fleetFindingPrefix(host);
  const item = result.item === undefined ? '' : `/${encodeURIComponent(result.item)}`;
  const id = `${prefix}${result.check}${item}`;
  if (id.length <= 512) return id;
  const digest = createHash('sha256')
    .update(result.item ?? '')
    .digest('hex');
  return `${prefix}${result.check}/sha256-${digest}`.slice(0, 512);
}

/**
 * What every finding id of one host starts with (`fleetFindingId` adds the check and item): the
 * findings of a host are those whose id has this prefix, ending in `/` so that `web-1` never
 * takes `web-10`'s.
 */
export function fleetFindingPrefix(host: CheckedHost): string {
  const account = host.resource.accountId ?? 'local';
  const region = host.resource.region ?? 'local';
  const where = host.instanceId ?? host.resource.id;
  return `assetguard/fleet-check/${account}/${region}/${where}/`;
}

/**
 * A FAIL line as the shared Finding (source `fleet`, status ACTIVE): id the check id, resource
 * the host, description the script's detail (with its item). Other statuses are not findings.
 */
export function fleetFinding(host: CheckedHost, result: HostCheckResult): Finding {
  return {
    id: result.check,
    sourceId: fleetFindingId(host, result),
    source: 'fleet',
    severity: result.severity,
    status: 'ACTIVE',
    title: result.item === undefined ? result.title : `${result.title} (${result.item})`,
    description: result.detail,
    resource: host.resource,
    packages: [],
    fixAvailable: 'no',
  };
}

/** What running the script on this machine gave. */
export interface LocalRun {
  stdout: string;
  stderr: string;
  /** The shell's exit code; undefined when it was killed. */
  exitCode?: number;
  /** Set when it ran past the timeout and was stopped. */
  timedOut: boolean;
}

/** The most output kept from a local run (the script prints a few KiB). */
const MAX_LOCAL_OUTPUT = 16 * 1024 * 1024;

/**
 * The environment the script runs in on this machine: this process's, without the thresholds of
 * SCRIPT_SETTINGS it may hold (only `settings` set them, as through Run Command), with `settings`.
 * ASSETGUARD_ROOT and ASSETGUARD_PROC pass through: set in the environment of a run by hand
 * (the tests check planted trees so), the run reports them (see `treeSettings`).
 */
export function localScriptEnvironment(
  environment: NodeJS.ProcessEnv,
  settings: Readonly<Partial<Record<string, string>>>,
): NodeJS.ProcessEnv {
  const kept = Object.entries(environment).filter(([name]) => !isScriptSetting(name));
  return { ...Object.fromEntries(kept), ...settings };
}

/**
 * ASSETGUARD_ROOT and ASSETGUARD_PROC as the environment sets them (non-empty): the tree and proc
 * a local run checks instead of this machine's own.
 */
export function treeSettings(environment: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.keys(REFUSED_SETTINGS).flatMap((name) => {
      const value = environment[name];
      return value === undefined || value === '' ? [] : [[name, value]];
    }),
  );
}

/**
 * Runs the script on this machine with `/bin/sh -c`, as AWS-RunShellScript runs it on an
 * instance, in `localScriptEnvironment` (settings added). Its process group is killed when
 * `timeoutMs` passes (the file searches are child processes). Never rejects for the script's
 * own failure: the caller decides from `exitCode`, `timedOut` and the parsed output.
 * @throws ConfigurationError when /bin/sh cannot be started.
 */
export function runHostCheckLocally(options: {
  script: string;
  settings: Readonly<Partial<Record<string, string>>>;
  timeoutMs: number;
}): Promise<LocalRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', options.script, 'assetguard-host-check'], {
      env: localScriptEnvironment(process.env, options.settings),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let kept = 0;
    const keep = (into: Buffer[]) => (chunk: Buffer) => {
      kept += chunk.length;
      if (kept <= MAX_LOCAL_OUTPUT) into.push(chunk);
    };
    child.stdout.on('data', keep(stdout));
    child.stderr.on('data', keep(stderr));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(
        new ConfigurationError(`could not start /bin/sh to run the host check: ${error.message}`),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        ...(code !== null && { exitCode: code }),
        timedOut,
      });
    });
  });
}

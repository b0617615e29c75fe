import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_CHECK_SCRIPT } from '../../actions/src/sources/host-check-script';
import {
  CHECK_STATUSES,
  HOST_CHECK_IDS,
  parseHostCheckOutput,
  scriptWithSettings,
  SCRIPT_SETTINGS,
} from '../../actions/src/sources/host-check';
import { MAX_SCRIPT_BYTES } from '../../actions/src/sources/fleet';
import {
  CLEAN_MACHINE_ID,
  lineOf,
  plantCleanHost,
  plantLinkedHost,
  plantLoopingHost,
  plantMisconfiguredHost,
  plantUnreadableHost,
  runAsUser,
  runScript,
  SCRIPT,
} from '../fleet-check/planted-host';

// The fleet host check script, run for real: with sh (dash here, as AWS-RunShellScript runs it on
// Debian and Ubuntu) and bash, on this machine and on throwaway trees with planted
// misconfigurations (ASSETGUARD_ROOT), asserting the JSON lines it prints.

// The checks the script prints: its CHECK_IDS line, as the bundles carry it. Every run below
// prints exactly these, in this order (RES-DISK once per disk).
const CHECKS: readonly string[] = HOST_CHECK_IDS;
const printed = (run: { lines: Record<string, unknown>[] }): unknown[] => [
  ...new Set(run.lines.slice(1, -1).map((line) => line.check)),
];

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('scripts/fleet/host-check.sh', () => {
  it('is shellcheck clean as a POSIX sh script', () => {
    const result = spawnSync('shellcheck', ['--shell=sh', '--severity=style', SCRIPT], {
      encoding: 'utf8',
    });
    expect(result.error).toBeUndefined();
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });

  it('shellcheck really lints: a script with an unquoted variable fails', () => {
    const result = spawnSync('shellcheck', ['--shell=sh', '-'], {
      input: '#!/bin/sh\nrm $1\n',
      encoding: 'utf8',
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('SC2086');
  });

  it('is embedded in the bundles exactly (node scripts/fleet/embed-script.mjs after every edit)', () => {
    expect(HOST_CHECK_SCRIPT).toBe(readFileSync(SCRIPT, 'utf8'));
  });

  it('names its checks once, on the CHECK_IDS line the bundles take them from', () => {
    const line = /^CHECK_IDS='(.*)'$/m.exec(HOST_CHECK_SCRIPT)?.[1];
    expect(line?.split(' ')).toEqual([...HOST_CHECK_IDS]);
    expect(HOST_CHECK_IDS.length).toBeGreaterThan(15);
  });

  it('reads every setting check-settings may give, with the default its header states', () => {
    for (const [name, setting] of Object.entries(SCRIPT_SETTINGS)) {
      const header = new RegExp(`^#   ${name} +.*$`, 'm').exec(HOST_CHECK_SCRIPT)?.[0];
      expect({ name, header: header !== undefined }).toEqual({ name, header: true });
      expect(HOST_CHECK_SCRIPT).toContain(`\${${name}`);
      if (/^[\d.]+$/.test(setting.default)) {
        expect({ name, header }).toEqual({
          name,
          header: expect.stringContaining(`[${setting.default}]`),
        });
      }
    }
  });

  it('fits, with settings, in the 64 KB document Run Command sends to each instance', () => {
    const withSettings = scriptWithSettings(HOST_CHECK_SCRIPT, {
      ASSETGUARD_DISK_MAX_PCT: '85',
      ASSETGUARD_SUID_ALLOW: '/opt/vendor/bin/helper /opt/other/bin/tool',
    });
    expect(Buffer.byteLength(withSettings)).toBeLessThan(MAX_SCRIPT_BYTES);
    // The settings come right after the #! line, before anything reads them.
    expect(withSettings.split('\n').slice(0, 3)).toEqual([
      '#!/bin/sh',
      "export ASSETGUARD_DISK_MAX_PCT='85'",
      "export ASSETGUARD_SUID_ALLOW='/opt/vendor/bin/helper /opt/other/bin/tool'",
    ]);
  });
});

describe('on this machine', () => {
  const run = runScript(undefined);

  it('prints HOST, one line per check, then END counting them; every line parses', () => {
    expect(run.status).toBe(0);
    const checks = run.lines.map((line) => line.check);
    expect(checks[0]).toBe('HOST');
    expect(checks[checks.length - 1]).toBe('END');
    // RES-DISK repeats per mounted disk; every other check prints exactly one line.
    expect([...new Set(checks.slice(1, -1))]).toEqual(CHECKS);
    expect(lineOf(run, 'END').count).toBe(run.lines.length - 2);
    const parsed = parseHostCheckOutput(run.stdout);
    expect(parsed.problems).toEqual([]);
    expect(parsed.results).toHaveLength(run.lines.length - 2);
    for (const result of parsed.results) {
      expect(CHECK_STATUSES).toContain(result.status);
      expect(result.title).not.toBe('');
      expect(result.detail).not.toBe('');
    }
  });

  it('prints the same checks with bash as with sh', () => {
    const bash = runScript(undefined, {}, ['bash', SCRIPT]);
    const keys = (lines: Record<string, unknown>[]): string[] =>
      lines.map((line) => JSON.stringify([line.check, line.item]));
    expect(keys(bash.lines)).toEqual(keys(run.lines));
  });

  it('names the machine by its /etc/machine-id on the HOST line, when it has one', () => {
    const machineId = (() => {
      try {
        return readFileSync('/etc/machine-id', 'utf8').trim();
      } catch {
        return undefined;
      }
    })();
    const host = lineOf(run, 'HOST');
    if (machineId !== undefined && /^[0-9a-f]{32}$/.test(machineId)) {
      expect(host.machine).toBe(machineId);
      expect(parseHostCheckOutput(run.stdout).machineId).toBe(machineId);
    } else {
      expect(host.machine).toBeUndefined();
    }
  });

  it('says ERROR, never PASS, for what a user other than root cannot read', () => {
    // As root here, drop to nobody (setpriv, util-linux); as any other user, run as is.
    const asUser =
      process.getuid?.() === 0
        ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'sh', SCRIPT]
        : ['sh', SCRIPT];
    const user = runScript(undefined, {}, asUser);
    expect(user.status).toBe(0);
    expect(String(lineOf(user, 'HOST').detail)).toMatch(/not root: some checks cannot read/);
    // /etc/shadow is not readable by other users on any Linux: never "no empty passwords".
    expect(lineOf(user, 'U-04')).toMatchObject({
      status: 'ERROR',
      detail: 'cannot read /etc/shadow (run as root)',
    });
    expect(parseHostCheckOutput(user.stdout).problems).toEqual([]);
  });
});

describe('on a tree with planted misconfigurations', () => {
  const root = plantMisconfiguredHost();
  roots.push(root);
  const run = runScript(root, { ASSETGUARD_DISK_MAX_PCT: '0' });

  it('parses whole: HOST names the planted host, END counts every line', () => {
    const parsed = parseHostCheckOutput(run.stdout);
    expect(parsed.problems).toEqual([]);
    expect(parsed.hostname).toBe('web-1');
    expect(parsed.about).toContain(`checking the tree ${root}`);
  });

  it.each([
    [
      'U-01',
      'PermitRootLogin yes: root may log in over SSH, with a password too; set PermitRootLogin no',
    ],
    [
      'U-02',
      'pam_pwquality: minlen 6, 3 character classes required (minclass 3, negative credits 0); KISA asks for 3 classes and 8 or more characters (or 2 classes and 10)',
    ],
    ['U-03', 'pam_faillock deny=20: KISA asks for a lockout after at most 10 failed logins'],
    [
      'U-04',
      'a password or an empty password field in /etc/passwd for: alice; empty password in /etc/shadow (login without a password) for: bob',
    ],
    ['U-44', 'accounts with UID 0 besides root: toor'],
    ['U-29', 'xinetd tftp on'],
    ['U-60', 'unit telnet.socket enabled'],
    ['RES-CPU', '5-minute load average 9.00 on 2 CPU(s): 4.50 per CPU (at most 1.5)'],
    ['RES-MEM', '95.0% used (927 of 976 MiB; at most 90%)'],
    ['RES-PROC', 'running: xmrig'],
  ])('%s FAILs: %s', (check, detail) => {
    expect(lineOf(run, check)).toMatchObject({ status: 'FAIL', detail });
  });

  it('U-08 FAILs on /etc/shadow mode 644', () => {
    expect(lineOf(run, 'U-08')).toMatchObject({ status: 'FAIL', severity: 'HIGH' });
    expect(String(lineOf(run, 'U-08').detail)).toMatch(
      /mode 0644: KISA asks for owner root and mode 400/,
    );
  });

  it('U-13 reports the unexpected SUID files, not the allowed passwd in usr/bin', () => {
    const line = lineOf(run, 'U-13');
    expect(line.status).toBe('FAIL');
    expect(line.count).toBe(2);
    expect([...(line.evidence as string[])].sort()).toEqual([
      '/usr/bin/evil',
      '/usr/local/bin/passwd',
    ]);
  });

  it('U-13 accepts what ASSETGUARD_SUID_ALLOW names', () => {
    const allowed = runScript(root, { ASSETGUARD_SUID_ALLOW: 'evil /usr/local/bin/passwd' });
    expect(lineOf(allowed, 'U-13')).toMatchObject({ status: 'PASS', count: 0 });
  });

  it('U-15 lists world-writable files with names escaped as JSON, bytes that are not UTF-8 as \\xNN', () => {
    const line = lineOf(run, 'U-15');
    expect(line).toMatchObject({ status: 'FAIL', count: 2 });
    expect([...(line.evidence as string[])].sort()).toEqual(
      ['/usr/bin/bad\nname"\\\\xff\tx', '/usr/bin/한글'].sort(),
    );
  });

  it('the services that are off PASS, and zombies under the limit PASS with their count', () => {
    expect(lineOf(run, 'U-19').status).toBe('PASS');
    expect(lineOf(run, 'U-21').status).toBe('PASS');
    expect(lineOf(run, 'RES-ZOMBIE')).toMatchObject({ status: 'PASS', count: 1 });
    expect(lineOf(runScript(root, { ASSETGUARD_ZOMBIE_MAX: '0' }), 'RES-ZOMBIE')).toMatchObject({
      status: 'FAIL',
      // The name is everything between the first ( and the last ) of the stat line.
      evidence: ['xm rig) (evil)'],
    });
  });

  it('RES-DISK reports each disk mount (not tmpfs) against ASSETGUARD_DISK_MAX_PCT', () => {
    const disks = run.lines.filter((line) => line.check === 'RES-DISK');
    expect(disks.map((line) => line.item)).toEqual(['/']);
    expect(disks[0]?.status).toBe('FAIL');
    expect(
      lineOf(runScript(root, { ASSETGUARD_DISK_MAX_PCT: '100' }), 'RES-DISK', '/').status,
    ).toBe('PASS');
  });

  it('a setting that is not a number makes its check ERROR, never a guess', () => {
    const bad = runScript(root, { ASSETGUARD_MEM_MAX_PCT: '90%', ASSETGUARD_LOCKOUT_MAX: 'ten' });
    expect(lineOf(bad, 'RES-MEM')).toMatchObject({
      status: 'ERROR',
      detail: 'ASSETGUARD_MEM_MAX_PCT is not a number: 90%',
    });
    expect(lineOf(bad, 'U-03').status).toBe('ERROR');
  });
});

describe('on a tree configured as KISA asks', () => {
  const root = plantCleanHost();
  roots.push(root);
  const run = runScript(root, { ASSETGUARD_DISK_MAX_PCT: '100' });

  it('every check PASSes (the owner checks only where the tree is owned by root)', () => {
    const asRoot = process.getuid?.() === 0;
    for (const check of CHECKS) {
      const expected = !asRoot && (check === 'U-07' || check === 'U-08') ? 'FAIL' : 'PASS';
      expect({ check, status: lineOf(run, check).status }).toEqual({ check, status: expected });
    }
    expect(lineOf(run, 'U-01').detail).toBe('PermitRootLogin no');
    expect(lineOf(run, 'U-03').detail).toBe('pam_faillock locks an account after 5 failed logins');
  });

  it('without processes to read, the service checks say ERROR, not PASS', () => {
    const noProc = runScript(root, { ASSETGUARD_PROC: `${root}/no-such-proc` });
    for (const check of ['U-19', 'U-21', 'U-29', 'U-60', 'RES-ZOMBIE', 'RES-PROC', 'RES-CPU']) {
      expect({ check, status: lineOf(noProc, check).status }).toEqual({ check, status: 'ERROR' });
    }
  });

  it('a tree without sshd says INFO for U-01 and without PAM INFO for U-02 and U-03', () => {
    const bare = runScript(`${root}/usr`);
    expect(lineOf(bare, 'U-01').status).toBe('INFO');
    expect(lineOf(bare, 'U-02').status).toBe('INFO');
    expect(lineOf(bare, 'U-03').status).toBe('INFO');
    expect(lineOf(bare, 'U-04').status).toBe('ERROR');
  });
});

describe('on a tree with a machine id', () => {
  const root = plantCleanHost();
  roots.push(root);

  it('the HOST line carries it', () => {
    expect(lineOf(runScript(root), 'HOST').machine).toBe(CLEAN_MACHINE_ID);
  });

  it('the misconfigured tree has none, and its HOST line says nothing of one', () => {
    const bad = plantMisconfiguredHost();
    roots.push(bad);
    expect(lineOf(runScript(bad), 'HOST')).not.toHaveProperty('machine');
  });
});

describe('a setting the searches cannot use makes them ERROR, never a search without a bound', () => {
  const root = plantCleanHost();
  roots.push(root);

  it.each(['abc', '0', '-5', '1.5'])('ASSETGUARD_FIND_TIMEOUT=%s', (value) => {
    const run = runScript(root, { ASSETGUARD_FIND_TIMEOUT: value });
    for (const check of ['U-06', 'U-13', 'U-15']) {
      expect({ check, ...lineOf(run, check) }).toMatchObject({
        check,
        status: 'ERROR',
        detail: `ASSETGUARD_FIND_TIMEOUT is not a whole number of seconds above 0: ${value}`,
      });
    }
    expect(parseHostCheckOutput(run.stdout).problems).toEqual([]);
  });

  it('a whole-number threshold with a decimal point is an ERROR of its check, and the output stays whole', () => {
    const run = runScript(root, {
      ASSETGUARD_PASSWORD_MINLEN: '8.5',
      ASSETGUARD_LOCKOUT_MAX: '2.5',
    });
    expect(lineOf(run, 'U-02')).toMatchObject({
      status: 'ERROR',
      detail: 'ASSETGUARD_PASSWORD_MINLEN is not a whole number: 8.5',
    });
    expect(lineOf(run, 'U-03').status).toBe('ERROR');
    expect(parseHostCheckOutput(run.stdout).problems).toEqual([]);
  });
});

describe('as a user who cannot read some of what the checks need', () => {
  const root = plantUnreadableHost();
  roots.push(root);
  const run = runAsUser(root, { ASSETGUARD_DISK_MAX_PCT: '100' });

  it('prints every check, whole', () => {
    expect(printed(run)).toEqual(CHECKS);
    expect(parseHostCheckOutput(run.stdout).problems).toEqual([]);
  });

  it.each([
    // A process whose stat cannot be read may be the coin miner: the process checks cannot pass.
    ['RES-PROC', /^1 process\(es\) in .*\/proc could not be read \(run as root\)$/],
    ['RES-ZOMBIE', /^1 process\(es\) in .*\/proc could not be read/],
    ['U-19', /but not everything could be read: 1 process\(es\) in .*\/proc could not be read/],
    ['U-21', /could not be read/],
    // An Include that cannot be read comes before the main file's PermitRootLogin no.
    [
      'U-01',
      /^cannot read \/etc\/ssh\/sshd_config\.d\/00-root\.conf, which sshd_config includes before any PermitRootLogin/,
    ],
    ['U-02', /^cannot read \/etc\/security\/pwquality\.conf \(run as root\)$/],
    ['U-03', /^cannot read \/etc\/security\/faillock\.conf \(run as root\)$/],
    ['U-29', /cannot read \/etc\/inetd\.conf; cannot read \/etc\/xinetd\.d\/tftp$/],
    ['U-60', /cannot read \/etc\/inetd\.conf$/],
  ])('%s says ERROR: %s', (check, detail) => {
    const line = lineOf(run, check);
    expect({ check, status: line.status }).toEqual({ check, status: 'ERROR' });
    expect(String(line.detail)).toMatch(detail);
  });

  it('a /proc mounted with hidepid hides other users’ processes: the process checks say ERROR', () => {
    const hidden = plantCleanHost();
    roots.push(hidden);
    writeFileSync(
      join(hidden, 'proc/mounts'),
      '/dev/root / ext4 rw 0 0\nproc /proc proc rw,nosuid,hidepid=invisible 0 0\n',
    );
    const asUser = runAsUser(hidden);
    for (const check of ['RES-PROC', 'RES-ZOMBIE', 'U-19', 'U-60']) {
      expect({ check, status: lineOf(asUser, check).status }).toEqual({ check, status: 'ERROR' });
    }
    expect(String(lineOf(asUser, 'RES-PROC').detail)).toMatch(
      /proc is mounted with hidepid=invisible: other users' processes are hidden from uid \d+ \(run as root\)$/,
    );
    if (process.getuid?.() === 0) {
      // root sees every process whatever hidepid says.
      expect(lineOf(runScript(hidden), 'RES-PROC').status).toBe('PASS');
    }
  });
});

describe('symbolic links in a tree are followed within the tree', () => {
  const asRoot = process.getuid?.() === 0;

  it('U-04, U-07 and U-08 read the file a link points to, and an absolute link means the tree’s own /etc', () => {
    const root = plantLinkedHost();
    roots.push(root);
    const run = runScript(root, { ASSETGUARD_DISK_MAX_PCT: '100' });
    expect(lineOf(run, 'U-04')).toMatchObject({
      status: 'FAIL',
      detail: 'empty password in /etc/shadow (login without a password) for: bob',
    });
    // The mode of the file, not of the link (always 0777).
    expect(String(lineOf(run, 'U-07').detail)).toMatch(/mode 0644/);
    // The group name comes from the tree's /etc/group, whose link climbs above the root.
    expect(String(lineOf(run, 'U-08').detail)).toMatch(/group rootgrp, mode 0400/);
    if (asRoot) {
      expect(lineOf(run, 'U-07').status).toBe('PASS');
      expect(lineOf(run, 'U-08').status).toBe('PASS');
    }
  });

  it('links that loop say ERROR, and never read the checking machine’s /etc/passwd or /etc/shadow', () => {
    const root = plantLoopingHost();
    roots.push(root);
    const run = runScript(root);
    for (const [check, path] of [
      ['U-04', '/etc/passwd'],
      ['U-44', '/etc/passwd'],
      ['U-07', '/etc/passwd'],
      ['U-08', '/etc/shadow'],
    ] as const) {
      expect({ check, ...lineOf(run, check) }).toMatchObject({
        check,
        status: 'ERROR',
        detail: `cannot follow the symbolic links of ${path} within ${root} (a link that cannot be read, or links that loop)`,
      });
    }
    expect(parseHostCheckOutput(run.stdout).problems).toEqual([]);
  });

  it('a disk listed as mounted whose mount point cannot be reached says ERROR, not nothing', () => {
    const root = plantLinkedHost();
    roots.push(root);
    const run = runScript(root, { ASSETGUARD_DISK_MAX_PCT: '100' });
    expect(lineOf(run, 'RES-DISK', '/data')).toMatchObject({
      status: 'ERROR',
      detail: 'cannot reach the mount point /data (run as root)',
    });
    expect(lineOf(run, 'RES-DISK', '/').status).toBe('PASS');
  });
});

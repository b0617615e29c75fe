import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * Throwaway root trees for the host check script (scripts/fleet/host-check.sh), which checks the
 * tree named by ASSETGUARD_ROOT instead of `/`: its proc/ is planted too (load, memory, mounts,
 * processes), so every check, resource checks included, has a known answer.
 */

export const SCRIPT = resolve(__dirname, '../../scripts/fleet/host-check.sh');

function put(root: string, path: string, text: string | Buffer, mode?: number): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  if (mode !== undefined) chmodSync(file, mode);
}

/** A file name with a newline, a quote, a backslash, a tab and a byte that is not UTF-8. */
export const HOSTILE_NAME = Buffer.concat([
  Buffer.from('usr/bin/bad\nname"\\'),
  Buffer.from([0xff]),
  Buffer.from('\tx'),
]);

/** proc/: the host name, load on 2 CPUs, memory, one disk (and a tmpfs), the processes. */
function plantProc(
  root: string,
  options: { hostname: string; load: string; availableKb: number; processes: string[] },
): void {
  put(root, 'proc/sys/kernel/hostname', `${options.hostname}\n`);
  put(root, 'proc/loadavg', `${options.load} ${options.load} ${options.load} 1/100 4242\n`);
  put(root, 'proc/stat', 'cpu 1 2 3 4\ncpu0 1 2 3 4\ncpu1 1 2 3 4\n');
  put(
    root,
    'proc/meminfo',
    `MemTotal: 1000000 kB\nMemFree: 10000 kB\nMemAvailable: ${options.availableKb} kB\n`,
  );
  put(root, 'proc/mounts', '/dev/root / ext4 rw 0 0\ntmpfs /run tmpfs rw 0 0\n');
  options.processes.forEach((line, index) => {
    put(root, `proc/${index + 1}/stat`, `${index + 1} ${line} 1 1 1\n`);
  });
}

/**
 * A host with the misconfigurations the checks look for: sshd PermitRootLogin yes (through an
 * Include), weak pwquality, lockout after 20 failures, an empty password in shadow and one in
 * passwd, a second UID 0 account, /etc/shadow mode 644, world-writable files under usr/bin (one
 * with a hostile name, one with a Korean name), an unexpected SUID file (and /usr/local/bin/passwd,
 * whose name is allowed only in system directories), telnet enabled in systemd, tftp in xinetd, a
 * coin miner and a zombie among the processes, a 5-minute load of 9 on 2 CPUs and 95% memory use.
 */
export function plantMisconfiguredHost(): string {
  const root = mkdtempSync(join(tmpdir(), 'ag-host-bad-'));
  put(root, 'etc/ssh/sshd_config', 'Include /etc/ssh/sshd_config.d/*.conf\n#PermitRootLogin no\n');
  put(
    root,
    'etc/ssh/sshd_config.d/10-root.conf',
    '  PermitRootLogin=Yes\nMatch User x\n PermitRootLogin no\n',
  );
  put(
    root,
    'etc/passwd',
    'root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\nalice::1000:1000::/home/alice:/bin/sh\n',
    0o644,
  );
  put(
    root,
    'etc/shadow',
    'root:$6$abc:19000::::::\ntoor:$6$x:19000::::::\nbob::19000::::::\n',
    0o644,
  );
  put(root, 'etc/group', 'root:x:0:\nshadow:x:42:\n');
  put(
    root,
    'etc/pam.d/common-password',
    'password requisite pam_pwquality.so retry=3 minlen=6\npassword [success=1 default=ignore] pam_unix.so\n',
  );
  put(root, 'etc/pam.d/common-auth', 'auth required pam_faillock.so preauth deny=20\n');
  put(root, 'etc/security/pwquality.conf', 'minclass = 3\n');
  put(root, 'usr/bin/passwd', 'x', 0o4755);
  put(root, 'usr/bin/evil', 'x', 0o4755);
  put(root, 'usr/local/bin/passwd', 'x', 0o4755);
  put(root, 'usr/bin/한글', 'x', 0o666);
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  writeFileSync(Buffer.concat([Buffer.from(`${root}/`), HOSTILE_NAME]), 'x');
  chmodSync(Buffer.concat([Buffer.from(`${root}/`), HOSTILE_NAME]), 0o666);
  mkdirSync(join(root, 'etc/systemd/system/sockets.target.wants'), { recursive: true });
  symlinkSync(
    '/lib/systemd/system/telnet.socket',
    join(root, 'etc/systemd/system/sockets.target.wants/telnet.socket'),
  );
  put(root, 'etc/xinetd.d/tftp', 'service tftp\n{\n disable = no\n}\n');
  plantProc(root, {
    hostname: 'web-1',
    load: '9.00',
    availableKb: 50000,
    processes: ['(systemd) S', '(xm rig) (evil)) Z', '(xmrig) R'],
  });
  return root;
}

/** The machine id plantCleanHost writes to etc/machine-id. */
export const CLEAN_MACHINE_ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

/**
 * A host that passes every check but disk use (which depends on this machine's disk), with an
 * /etc/machine-id.
 */
export function plantCleanHost(prefix = 'ag-host-good-'): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  put(root, 'etc/machine-id', `${CLEAN_MACHINE_ID}\n`);
  // A relative Include (resolved against /etc/ssh, as sshd does) and a Match block whose
  // setting is not the global one.
  put(root, 'etc/ssh/sshd_config', 'Include sshd_config.d/*.conf\nPermitRootLogin yes\n');
  put(
    root,
    'etc/ssh/sshd_config.d/00-root.conf',
    'PermitRootLogin no\nMatch Address 10.0.0.1\n  PermitRootLogin yes\n',
  );
  put(
    root,
    'etc/passwd',
    'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n',
    0o644,
  );
  put(root, 'etc/shadow', 'root:$6$abc:19000::::::\nalice:!:19000::::::\n', 0o400);
  put(root, 'etc/group', 'root:x:0:\nshadow:x:42:\n');
  put(
    root,
    'etc/pam.d/system-auth',
    'auth required pam_faillock.so preauth\npassword requisite pam_pwquality.so\n',
  );
  put(root, 'etc/security/pwquality.conf', '# comment\nminlen = 10\nminclass = 3\n');
  put(root, 'etc/security/faillock.conf', 'deny = 5\n');
  put(root, 'usr/bin/passwd', 'x', 0o4755);
  put(root, 'usr/bin/ls', 'x', 0o755);
  plantProc(root, {
    hostname: 'db-1',
    load: '0.50',
    availableKb: 800000,
    processes: ['(systemd) S'],
  });
  return root;
}

/**
 * The clean host, with files a user other than root cannot read (run it with `runAsUser`): an
 * sshd Include (saying PermitRootLogin yes) read before the main file's `no`, pwquality.conf,
 * faillock.conf, inetd.conf (with telnet on), xinetd's tftp, and the stat of one process (a coin
 * miner). Each of those checks must say ERROR, not guess.
 */
export function plantUnreadableHost(): string {
  const root = plantCleanHost('ag-host-unreadable-');
  put(root, 'etc/ssh/sshd_config', 'Include sshd_config.d/*.conf\nPermitRootLogin no\n');
  put(root, 'etc/ssh/sshd_config.d/00-root.conf', 'PermitRootLogin yes\n', 0o000);
  chmodSync(join(root, 'etc/security/pwquality.conf'), 0o000);
  chmodSync(join(root, 'etc/security/faillock.conf'), 0o000);
  put(
    root,
    'etc/inetd.conf',
    'telnet stream tcp nowait root /usr/sbin/in.telnetd in.telnetd\n',
    0o000,
  );
  put(root, 'etc/xinetd.d/tftp', 'service tftp\n{\n disable = no\n}\n', 0o000);
  put(root, 'proc/2/stat', '2 (xmrig) R 1 1 1\n', 0o000);
  return root;
}

/**
 * The clean host with /etc/passwd, /etc/shadow and /etc/group behind symbolic links: a relative
 * one, an absolute one (which means the tree's /etc, never the checking machine's) and one whose
 * `..` climb above the root (which stops at the root, as on the host). Its proc/mounts lists a
 * disk mounted at /data, which the tree does not have.
 */
export function plantLinkedHost(): string {
  const root = plantCleanHost('ag-host-linked-');
  const etc = join(root, 'etc');
  put(
    root,
    'etc/passwd.real',
    'root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/sh\n',
    0o644,
  );
  rmSync(join(etc, 'passwd'));
  symlinkSync('passwd.real', join(etc, 'passwd'));
  put(root, 'etc/shadow.real', 'root:$6$abc:19000::::::\nbob::19000::::::\n', 0o400);
  rmSync(join(etc, 'shadow'));
  symlinkSync('/etc/shadow.real', join(etc, 'shadow'));
  put(root, 'etc/group.real', `rootgrp:x:${process.getgid?.() ?? 0}:\n`);
  rmSync(join(etc, 'group'));
  symlinkSync('../../../../../../../../../etc/group.real', join(etc, 'group'));
  put(root, 'proc/mounts', '/dev/root / ext4 rw 0 0\n/dev/sdb /data ext4 rw 0 0\n');
  return root;
}

/**
 * The clean host whose /etc/passwd and /etc/shadow are links to themselves by absolute path: on
 * the host they loop; read from outside the tree they would be the checking machine's own files.
 */
export function plantLoopingHost(): string {
  const root = plantCleanHost('ag-host-loop-');
  for (const name of ['passwd', 'shadow']) {
    rmSync(join(root, 'etc', name));
    symlinkSync(`/etc/${name}`, join(root, 'etc', name));
  }
  return root;
}

export interface ScriptRun {
  status: number | null;
  stdout: string;
  stderr: string;
  lines: Record<string, unknown>[];
}

/**
 * Runs the script on `root` as a user who is not root: as nobody (setpriv, util-linux) when the
 * tests run as root, else as the user they run as. The tree is opened to other users first.
 */
export function runAsUser(root: string, env: Record<string, string> = {}): ScriptRun {
  chmodSync(root, 0o755);
  const command =
    process.getuid?.() === 0
      ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'sh', SCRIPT]
      : ['sh', SCRIPT];
  return runScript(root, env, command);
}

/** Runs the script as AWS-RunShellScript does (`sh`), on `root` when given. */
export function runScript(
  root: string | undefined,
  env: Record<string, string> = {},
  command: string[] = ['sh', SCRIPT],
): ScriptRun {
  const [program = 'sh', ...args] = command;
  const result = spawnSync(program, args, {
    env: { PATH: process.env.PATH, ...(root !== undefined && { ASSETGUARD_ROOT: root }), ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    lines: result.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** The line of one check (and item). */
export function lineOf(run: ScriptRun, check: string, item?: string): Record<string, unknown> {
  const line = run.lines.find(
    (entry) => entry.check === check && (item === undefined || entry.item === item),
  );
  if (!line) throw new Error(`no ${check} line in:\n${run.stdout}`);
  return line;
}

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFleetCheckInputs } from '../../actions/src/fleet-check/inputs';
import { fleetCheck } from '../../actions/src/fleet-check/run';
import {
  HOST_CHECK_IDS,
  runHostCheckLocally,
  type LocalRun,
} from '../../actions/src/sources/host-check';
import { CLEAN_MACHINE_ID, plantCleanHost } from './planted-host';

// The fleet check of this machine (targets local) as the CLI and the action run it, with what the
// script prints given by the test (runLocal): no AWS is called without import-to-securityhub.

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

const line = (fields: Record<string, unknown>): string => JSON.stringify(fields);
const HOST = (machine?: string): string =>
  line({
    check: 'HOST',
    title: 'assetguard host check',
    severity: 'INFORMATIONAL',
    status: 'INFO',
    detail: 'script 2 on a test (Linux), as root',
    item: 'localhost',
    ...(machine !== undefined && { machine }),
  });
const END = (count: number): string =>
  line({
    check: 'END',
    title: 'assetguard host check finished',
    severity: 'INFORMATIONAL',
    status: 'INFO',
    detail: `${count} check line(s) above`,
    count,
  });
const check = (id: string, status = 'PASS', severity = 'HIGH'): string =>
  line({
    check: id,
    title: `${id} title`,
    severity,
    status,
    detail: `${id} ${status}`,
    ...(id === 'RES-DISK' && { item: '/' }),
  });
/** A whole output: a line of every check, U-01 failing. */
const whole = (machine?: string): string => {
  const lines = HOST_CHECK_IDS.map((id) => check(id, id === 'U-01' ? 'FAIL' : 'PASS'));
  return [HOST(machine), ...lines, END(lines.length)].join('\n');
};

function printing(stdout: string): () => Promise<LocalRun> {
  return () => Promise.resolve({ stdout, stderr: '', exitCode: 0, timedOut: false });
}

async function checkLocally(
  values: Record<string, string>,
  runLocal: (options: Parameters<typeof runHostCheckLocally>[0]) => Promise<LocalRun>,
) {
  const dir = tempDir('ag-fleet-local-');
  writeFileSync(join(dir, 'policy.yml'), 'version: 1\n');
  const inputs = parseFleetCheckInputs(
    (name) =>
      ({
        targets: 'local',
        policy: join(dir, 'policy.yml'),
        'output-dir': join(dir, 'reports'),
        ...values,
      })[name],
  );
  const run = await fleetCheck(inputs, {
    clock: { now: () => new Date('2026-05-04T08:00:00Z'), sleep: async () => {} },
    log: () => {},
    runLocal,
  });
  return { run, dir };
}

describe('fleet-check --targets local', () => {
  it('an output of HOST and END alone is a host not checked: exit 2, naming the checks it lacks', async () => {
    const { run } = await checkLocally({}, printing(`${HOST()}\n${END(0)}\n`));
    expect(run.outcome.exitCode).toBe(2);
    expect(run.verdict.counts).toMatchObject({ hosts: 0, unchecked: 1 });
    expect(run.verdict.error).toContain(
      `output: the output has no line for ${HOST_CHECK_IDS.length} checks of the script (${HOST_CHECK_IDS.join(', ')})`,
    );
  });

  it('an output with only U-01 and U-02 is not complete either', async () => {
    const lines = [check('U-01'), check('U-02')];
    const { run } = await checkLocally({}, printing([HOST(), ...lines, END(2)].join('\n')));
    expect(run.outcome.exitCode).toBe(2);
    expect(run.verdict.error).toMatch(/no line for \d+ checks of the script \(U-03, U-04, /);
  });

  it('fail-on none reports FAILs only: exit 0, and says so rather than "at or above none"', async () => {
    const { run, dir } = await checkLocally(
      { 'fail-on': 'none' },
      printing(whole(CLEAN_MACHINE_ID)),
    );
    expect(run.outcome.exitCode).toBe(0);
    expect(run.outcome.message).toBe(
      `reported only (fail-on none): 1 failing check on 1 host; reports in ${join(dir, 'reports')}`,
    );
    expect(run.outcome.message).not.toContain('at or above none');
    expect(readFileSync(join(dir, 'reports/summary.md'), 'utf8')).toContain(
      '**Reported only (fail-on none):** 1 failing check.',
    );
  });

  it('fail-on none still exits 2 when the script could not check anything (a tree that does not exist)', async () => {
    // The script run for real, on a root that does not exist (as a broken image would look).
    const { run } = await checkLocally({ 'fail-on': 'none' }, (options) =>
      runHostCheckLocally({
        ...options,
        settings: { ...options.settings, ASSETGUARD_ROOT: '/nonexistent' },
      }),
    );
    expect(run.outcome.exitCode).toBe(2);
    expect(run.verdict.verdict).toBe('error');
    expect(run.verdict.error).toMatch(/U-04 could not be checked: cannot read \/etc\/passwd/);
    expect(run.verdict.error).toMatch(/RES-PROC could not be checked/);
  });

  it('keys the machine by its machine id, so two machines called localhost never share findings', async () => {
    const { run } = await checkLocally({ 'fail-on': 'none' }, printing(whole(CLEAN_MACHINE_ID)));
    expect(run.verdict.subject.hosts).toEqual([
      expect.objectContaining({ resource: `host/${CLEAN_MACHINE_ID}`, hostname: 'localhost' }),
    ]);
    expect(run.verdict.blocking).toEqual([]);
    expect(run.verdict.warnings.join('\n')).not.toContain('machine-id');
  });

  it('without a machine id, keys it by its host name and warns that another machine may share it', async () => {
    const { run } = await checkLocally({ 'fail-on': 'none' }, printing(whole()));
    expect(run.verdict.subject.hosts).toEqual([
      expect.objectContaining({ resource: 'host/localhost', hostname: 'localhost' }),
    ]);
    expect(run.verdict.warnings).toContain(
      'host/localhost (localhost): no readable /etc/machine-id: this machine is keyed by its host name (host/localhost), which another machine of the same name shares, findings included',
    );
  });

  it('a tree the real script checks is keyed by the machine id it read there', async () => {
    const root = plantCleanHost();
    dirs.push(root);
    const { run } = await checkLocally(
      { 'fail-on': 'none', 'check-settings': 'ASSETGUARD_DISK_MAX_PCT=100' },
      (options) =>
        runHostCheckLocally({
          ...options,
          settings: { ...options.settings, ASSETGUARD_ROOT: root },
        }),
    );
    expect(run.verdict.subject.hosts?.[0]?.resource).toBe(`host/${CLEAN_MACHINE_ID}`);
    expect(run.verdict.subject.hosts?.[0]?.problems).toEqual([]);
  });
});

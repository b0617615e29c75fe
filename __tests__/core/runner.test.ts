import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsError, ConfigurationError } from '../../actions/src/core/errors';
import type { Evidence } from '../../actions/src/core/evidence';
import type { CommandInputSpecs, InputReader } from '../../actions/src/core/inputs';
import { parseOutputDir, readInput } from '../../actions/src/core/inputs';
import { emptyCounts, type SeverityCounts } from '../../actions/src/core/model';
import { runCommand, type Command, type RunDeps } from '../../actions/src/core/runner';
import type { BlockingEntry } from '../../actions/src/core/verdict';

// A toy command: every path through the shared runner, with no AWS.
const NOW = new Date('2026-03-02T12:00:00Z');
const deps: RunDeps = {
  clock: { now: () => NOW, sleep: () => Promise.resolve() },
  log: () => undefined,
};

const INPUTS = {
  thing: { description: 'What to decide about.', required: true },
  policy: { description: 'Policy file.', default: '.github/assetguard.yml' },
  'output-dir': { description: 'Reports.', default: 'toy-reports' },
} satisfies CommandInputSpecs;

const OUTPUTS = { verdict: 'pass, block or error.', 'report-dir': 'Where.' } as const;

interface ToyTypes {
  inputs: { thing: string; policy: string; outputDir: string };
  subject: { thing: string; resolved: string };
  counts: SeverityCounts;
  blocking: BlockingEntry;
  context: { calls: number };
  details: { note: string };
  outputs: typeof OUTPUTS;
}

function toy(decide: Command<ToyTypes>['decide']): Command<ToyTypes> {
  return {
    name: 'toy',
    inputs: INPUTS,
    outputs: OUTPUTS,
    parse(read) {
      const thing = readInput(INPUTS, read, 'thing');
      if (thing === undefined) throw new ConfigurationError('thing: required');
      return {
        thing,
        policy: readInput(INPUTS, read, 'policy'),
        outputDir: parseOutputDir(readInput(INPUTS, read, 'output-dir')),
      };
    },
    commandOf: () => 'toy',
    recordedInputs: (inputs) => ({ ...inputs }),
    subjectOf: (inputs) => ({ thing: inputs.thing }),
    emptyCounts,
    decide,
    render: ({ verdict, details }) => ({
      summary: `## toy: ${verdict.verdict} ${details?.note ?? verdict.error ?? ''}\n`,
      files: { 'toy.txt': 'own file\n' },
    }),
    describe: ({ verdict, details }) => `${verdict.verdict}: ${details.note}`,
    outputValues: ({ verdict, reportDir }) => ({
      verdict: verdict.verdict,
      'report-dir': reportDir,
    }),
  };
}

function decided(kind: 'pass' | 'block'): Command<ToyTypes>['decide'] {
  return (inputs, policy, progress) => {
    progress.context.calls = 1;
    return Promise.resolve({
      verdict: {
        verdict: kind,
        command: 'toy',
        subject: { thing: inputs.thing, resolved: 'yes' },
        evaluatedAt: NOW.toISOString(),
        policy: { origin: policy.origin, sha256: policy.sha256 },
        counts: emptyCounts(),
        blocking: [],
        excepted: [],
        exceptions: { expired: [], expiringSoon: [], stale: [] },
        warnings: [],
      },
      details: { note: `${kind}ed` },
    });
  };
}

function reader(values: Record<string, string>): InputReader {
  return (name) => values[name] ?? '';
}

function readVerdict(path: string): { error?: string } {
  return JSON.parse(readFileSync(path, 'utf8')) as { error?: string };
}

function readEvidence(path: string): Evidence {
  return JSON.parse(readFileSync(path, 'utf8')) as Evidence;
}

const cwd = process.cwd();
let dir: string;
beforeEach(() => {
  // The built-in default policy applies: no .github/assetguard.yml in this directory.
  process.chdir(mkdtempSync(join(tmpdir(), 'ag-runner-')));
  dir = mkdtempSync(join(tmpdir(), 'ag-runner-out-'));
});
afterEach(() => {
  process.chdir(cwd);
});

describe('runCommand', () => {
  it.each([
    ['pass', 0],
    ['block', 1],
  ] as const)(
    'a %s decision: exit %d, the describe line, every report and the outputs',
    async (kind, code) => {
      const run = await runCommand(
        toy(decided(kind)),
        { read: reader({ thing: 'x', 'output-dir': dir }) },
        deps,
      );
      expect(run.outcome).toEqual({ exitCode: code, message: `${kind}: ${kind}ed` });
      expect(Object.keys(run.files)).toEqual([
        'verdict.json',
        'summary.md',
        'toy.txt',
        'evidence.json',
      ]);
      expect(readVerdict(join(dir, 'verdict.json'))).toEqual(run.verdict);
      const evidence = readEvidence(join(dir, 'evidence.json'));
      expect(evidence).toMatchObject({
        command: 'toy',
        inputs: { thing: 'x', outputDir: dir },
        context: { calls: 1 },
        policy: { origin: 'built-in default' },
      });
      expect(run.outputs).toEqual({ verdict: kind, 'report-dir': dir });
    },
  );

  it('an invalid input: an error verdict with the message, reports in the output-dir given, the input named alone', async () => {
    const run = await runCommand(
      toy(decided('pass')),
      { read: reader({ 'output-dir': dir }) },
      deps,
    );
    expect(run.inputs).toBeUndefined();
    expect(run.verdict).toMatchObject({
      verdict: 'error',
      command: 'toy',
      subject: {},
      error: 'thing: required',
      policy: { origin: 'not loaded', sha256: '' },
    });
    expect(run.outcome).toEqual({ exitCode: 2, message: 'thing: required' });
    expect(readVerdict(join(dir, 'verdict.json')).error).toBe('thing: required');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toBe('## toy: error thing: required\n');
    // The evidence of a run whose inputs did not parse keeps them as given.
    expect(readEvidence(join(dir, 'evidence.json')).inputs).toEqual({
      thing: '',
      policy: '',
      'output-dir': dir,
    });
    expect(run.outputs).toEqual({ verdict: 'error', 'report-dir': dir });
  });

  it('an output-dir that cannot be parsed: the error verdict goes to its declared default', async () => {
    const run = await runCommand(
      toy(decided('pass')),
      { read: reader({ thing: 'x', 'output-dir': 'a\nb' }) },
      deps,
    );
    expect(run.verdict.error).toMatch(/^output-dir: "a\\nb" is not a directory path/);
    expect(run.reportDir).toBe('toy-reports');
    expect(existsSync(join('toy-reports', 'verdict.json'))).toBe(true);
    expect(run.outputs['report-dir']).toBe('toy-reports');
  });

  it('a failure while deciding: "could not decide", with the subject and facts known so far', async () => {
    const run = await runCommand(
      toy((inputs, _policy, progress) => {
        progress.subject = { thing: inputs.thing, resolved: 'half' };
        progress.context.calls = 3;
        return Promise.reject(
          new AwsError('could not list things: AccessDenied — grant x:List', 'AccessDenied'),
        );
      }),
      { inputs: { thing: 'x', policy: '.github/assetguard.yml', outputDir: dir } },
      deps,
    );
    expect(run.verdict).toMatchObject({
      verdict: 'error',
      subject: { thing: 'x', resolved: 'half' },
      policy: { origin: 'built-in default' },
      evaluatedAt: NOW.toISOString(),
    });
    expect(run.outcome).toEqual({
      exitCode: 2,
      message: 'could not decide: could not list things: AccessDenied — grant x:List',
    });
    expect(readEvidence(join(dir, 'evidence.json')).context).toEqual({ calls: 3 });
  });

  it('a bug while deciding is an error verdict that says so', async () => {
    const run = await runCommand(
      toy(() => Promise.reject(new TypeError('x is not a function'))),
      { inputs: { thing: 'x', policy: '.github/assetguard.yml', outputDir: dir } },
      deps,
    );
    expect(run.verdict.error).toBe('unexpected error (please report it): x is not a function');
    expect(run.outcome.exitCode).toBe(2);
  });

  it('a policy file that does not exist is an error verdict naming it', async () => {
    const policy = join(dir, 'missing.yml');
    const run = await runCommand(
      toy(decided('pass')),
      { inputs: { thing: 'x', policy, outputDir: dir } },
      deps,
    );
    expect(run.verdict.error).toBe(
      `policy: ${policy} does not exist (omit the policy input to use the built-in default)`,
    );
    expect(run.verdict.subject).toEqual({ thing: 'x' });
  });

  it('fails (for the boundary to report) only when the reports cannot be written', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    await expect(
      runCommand(
        toy(decided('pass')),
        { inputs: { thing: 'x', policy: 'p', outputDir: join(file, 'sub') } },
        deps,
      ),
    ).rejects.toThrow(/^output-dir: cannot create /);
  });
});

describe('runCommand checks every output location before the command decides', () => {
  /** A decide that records that it ran: it stands for the first AWS call or write. */
  function watched(): { command: Command<ToyTypes>; ran: () => boolean } {
    let ran = false;
    const decide = decided('pass');
    return {
      command: {
        ...toy((...args) => {
          ran = true;
          return decide(...args);
        }),
        reports: ['toy.txt'],
      },
      ran: () => ran,
    };
  }

  it('an output-dir that is a regular file: rejected naming output-dir (exit 2 at the boundary), and decide never runs', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'mine\n');
    const { command, ran } = watched();
    await expect(
      runCommand(command, { read: reader({ thing: 'x', 'output-dir': file }) }, deps),
    ).rejects.toThrow(`output-dir: ${file} is a file, not a directory`);
    expect(ran()).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
  });

  it.each(['summary.md', 'toy.txt'])(
    'a report name taken by a directory (%s): rejected before deciding, the old reports untouched, no temporary file',
    async (taken) => {
      const out = join(dir, 'out');
      await runCommand(
        toy(decided('pass')),
        { read: reader({ thing: 'x', 'output-dir': out }) },
        deps,
      );
      const oldEvidence = readFileSync(join(out, 'evidence.json'), 'utf8');
      const oldVerdict = readFileSync(join(out, 'verdict.json'), 'utf8');
      const entries = readdirSync(out).filter((name) => name !== taken);
      // The case: a directory where a report goes, beside an old evidence.json.
      rmSync(join(out, taken));
      mkdirSync(join(out, taken));
      const { command, ran } = watched();
      await expect(
        runCommand(command, { read: reader({ thing: 'y', 'output-dir': out }) }, deps),
      ).rejects.toThrow(
        `output-dir: ${join(out, taken)} exists and is not a file, so the report ${taken} cannot be written there`,
      );
      expect(ran()).toBe(false);
      expect(readFileSync(join(out, 'evidence.json'), 'utf8')).toBe(oldEvidence);
      expect(readFileSync(join(out, 'verdict.json'), 'utf8')).toBe(oldVerdict);
      expect(readdirSync(out).sort()).toEqual([...entries, taken].sort());
    },
  );
});

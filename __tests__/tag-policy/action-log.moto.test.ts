import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTagsCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { Command, CommandTypes } from '../../actions/src/core/runner';
import { runAction } from '../../actions/src/core/runner';
import { runInAction } from '../../actions/src/sinks/github';
import { tagPolicyCommand } from '../../actions/src/tag-policy/run';
import { credentialEnv, isolatedAccount, motoEndpoint } from '../fixtures/moto-estate';

// The daily tag workflow runs the tag-policy action over the whole estate, and an EC2 tag value
// is anyone's to set: x\n::error::INJECTED\n::stop-commands::tok must stay text in the step's log.
const REGION = 'us-west-1';
const INJECTED = 'x\n::error::INJECTED\n::stop-commands::tok';
const LEGACY = 'y ##[error]LEGACY';

const POLICY = `version: 1
tags:
  resource-types: [AWS::EC2::Instance]
  required:
    Environment: { allowed: [prod, dev] }
    Owner: { default: ops@example.com }
`;

/** Everything the action writes to stdout (the runner's log) while `work` runs, by line. */
async function logOf(work: () => Promise<unknown>): Promise<string[]> {
  const written: string[] = [];
  const spy = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return true;
    });
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
  return written.join('').split(/\r?\n/);
}

/** Lines the runner would act on that assetguard did not mean as commands. */
function injected(lines: readonly string[]): string[] {
  return lines.filter(
    (line) =>
      /^\s*::(error|stop-commands|add-mask|set-output|warning)::(INJECTED|tok|LEGACY)/.test(line) ||
      /^\s*::stop-commands::/.test(line) ||
      line.includes('##[') ||
      (/^\s*::/.test(line) && !/^::(warning|error|debug|notice)::/.test(line)),
  );
}

const saved = { ...process.env };
let workspace: string;

beforeAll(async () => {
  const credentials = await isolatedAccount('666666666666');
  Object.assign(process.env, credentialEnv(credentials));
  const ec2 = new EC2Client({
    region: REGION,
    endpoint: motoEndpoint(),
    maxAttempts: 1,
    credentials,
  });
  try {
    const run = await ec2.send(
      new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 2, MaxCount: 2 }),
    );
    const [first, second] = (run.Instances ?? []).map((instance) => instance.InstanceId ?? '');
    await ec2.send(
      new CreateTagsCommand({
        Resources: [first ?? ''],
        Tags: [{ Key: 'Environment', Value: INJECTED }],
      }),
    );
    await ec2.send(
      new CreateTagsCommand({
        Resources: [second ?? ''],
        Tags: [{ Key: 'Environment', Value: LEGACY }],
      }),
    );
  } finally {
    ec2.destroy();
  }
});

beforeEach(() => {
  workspace = mkdtempSync(join(tmpdir(), 'ag-action-log-'));
  writeFileSync(join(workspace, 'policy.yml'), POLICY);
  writeFileSync(join(workspace, 'output'), '');
  writeFileSync(join(workspace, 'summary'), '');
  Object.assign(process.env, {
    AWS_REGION: REGION,
    GITHUB_OUTPUT: join(workspace, 'output'),
    GITHUB_STEP_SUMMARY: join(workspace, 'summary'),
    INPUT_POLICY: join(workspace, 'policy.yml'),
    'INPUT_OUTPUT-DIR': join(workspace, 'reports'),
  });
});

afterAll(() => {
  for (const key of Object.keys(process.env)) {
    if (!(key in saved)) Reflect.deleteProperty(process.env, key);
  }
  Object.assign(process.env, saved);
});

describe('the tag-policy action log with a hostile EC2 tag value', () => {
  it.each(['audit', 'apply'])(
    'tags %s: no workflow command from the tag value',
    async (command) => {
      process.env.INPUT_COMMAND = command;
      const lines = await logOf(() =>
        runAction('tag-policy', () => runInAction(tagPolicyCommand())),
      );
      process.exitCode = 0;
      expect(injected(lines)).toEqual([]);
      // The command decided (it read the estate): this is not a run that failed before the log.
      const outputs = readFileSync(join(workspace, 'output'), 'utf8');
      expect(outputs).toMatch(/verdict<<.*\n(pass|block)\n/);
      if (command === 'apply') {
        // The plan printed to the log carries the value, on one line, as text.
        expect(lines.join('\n')).toContain('x ::error::INJECTED ::stop-commands::tok');
      }
      const summary = readFileSync(join(workspace, 'summary'), 'utf8');
      expect(
        summary.split('\n').filter((line) => /^\s*::/.test(line) || line.includes('##[')),
      ).toEqual([]);
    },
  );
});

interface FakeTypes extends CommandTypes {
  inputs: { policy: string; outputDir: string };
  subject: { region: string };
  counts: Record<string, number>;
  context: Record<string, never>;
  details: undefined;
  outputs: { verdict: string };
}

/** A command that logs, warns and ends with AWS's text, to check the action glue alone. */
function hostileCommand(): Command<FakeTypes> {
  return {
    name: 'hostile',
    inputs: {
      policy: { description: 'p', default: '.github/assetguard.yml' },
      'output-dir': { description: 'o', default: 'out' },
    },
    outputs: { verdict: 'v' },
    parse: (read) => ({ policy: read('policy') ?? '', outputDir: read('output-dir') ?? 'out' }),
    commandOf: () => 'hostile',
    recordedInputs: () => ({}),
    subjectOf: () => ({}),
    emptyCounts: () => ({}),
    decide: (_inputs, policy, _progress, { clock, log }) => {
      log(`resource ${INJECTED} and ${LEGACY}`);
      return Promise.resolve({
        verdict: {
          verdict: 'pass',
          command: 'hostile',
          subject: { region: REGION },
          evaluatedAt: clock.now().toISOString(),
          policy: { origin: policy.origin, sha256: policy.sha256 },
          counts: {},
          blocking: [],
          excepted: [],
          exceptions: { expired: [], expiringSoon: [], stale: [] },
          warnings: [`rule ${INJECTED}`, `tag ${LEGACY}`],
        },
        details: undefined,
      });
    },
    render: () => ({ summary: '## hostile\n', files: {} }),
    describe: () => `passed: ${INJECTED} ${LEGACY}`,
    outputValues: ({ verdict }) => ({ verdict: verdict.verdict }),
  };
}

describe('runInAction: log lines, warnings and the outcome line', () => {
  it('writes none of AWS’s text as a workflow command (info, core.warning, the final line)', async () => {
    const lines = await logOf(() => runAction('hostile', () => runInAction(hostileCommand())));
    process.exitCode = 0;
    expect(injected(lines)).toEqual([]);
    // A message of several lines (a plan) is logged line by line, each escaped.
    expect(lines.slice(0, 3)).toEqual([
      'resource x',
      '␠::error::INJECTED',
      '␠::stop-commands::tok and y ##␠[error]LEGACY',
    ]);
    expect(lines).toContain('::warning::rule x⏎::error::INJECTED⏎::stop-commands::tok');
    expect(lines).toContain('::warning::tag y ##␠[error]LEGACY');
    expect(lines).toContain(
      'hostile: passed: x⏎::error::INJECTED⏎::stop-commands::tok y ##␠[error]LEGACY',
    );
  });
});

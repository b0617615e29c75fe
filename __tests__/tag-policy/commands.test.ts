import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../actions/src/core/clock';
import { sha256 } from '../../actions/src/core/policy';
import type { PublishResult } from '../../actions/src/sinks/parameter-store';
import type { TagVerdict } from '../../actions/src/tag-policy/evaluate';
import {
  parseTagInputs,
  TAG_COMMAND_REPORTS,
  TAG_COMMANDS,
  tagCommandInputs,
  type TagCommand,
} from '../../actions/src/tag-policy/inputs';
import { describePublish, renderPublish } from '../../actions/src/tag-policy/publish-report';
import { tagsCommand, type TagClients } from '../../actions/src/tag-policy/run';
import { DEMO_TAG_POLICY } from '../fixtures/estate-tags';

describe('the inputs of each tag command', () => {
  it('audit has no execute: it only reads', () => {
    expect(Object.keys(tagCommandInputs('audit'))).toEqual(['policy', 'output-dir', 'region']);
    for (const command of ['apply', 'publish', 'groups'] as const)
      expect(Object.keys(tagCommandInputs(command))).toEqual([
        'policy',
        'execute',
        'output-dir',
        'region',
      ]);
  });

  it.each(TAG_COMMANDS.map((command) => [command]))(
    "%s: output-dir names exactly the runner's files and the command's own",
    (command: TagCommand) => {
      const description = tagCommandInputs(command)['output-dir']?.description ?? '';
      const named = [...description.matchAll(/[\w-]+\.(?:json|csv|md|sarif)/g)].map(
        (match) => match[0],
      );
      expect(new Set(named)).toEqual(
        new Set(['verdict.json', 'summary.md', 'evidence.json', ...TAG_COMMAND_REPORTS[command]]),
      );
    },
  );

  it('refuses execute: true on audit, naming the input, rather than ignoring it', () => {
    const read = (values: Record<string, string>) => (name: string) => values[name];
    expect(() => parseTagInputs(read({ command: 'audit', execute: 'true' }))).toThrow(
      /^execute: audit only reads the estate and writes nothing; use command apply/,
    );
    expect(parseTagInputs(read({ command: 'publish', execute: 'true' })).execute).toBe(true);
    expect(parseTagInputs(read({ command: 'publish' })).execute).toBe(false);
  });
});

describe('a tag command checks its output-dir before the first AWS call', () => {
  const policy = join(mkdtempSync(join(tmpdir(), 'ag-tags-policy-')), 'assetguard.yml');
  writeFileSync(policy, DEMO_TAG_POLICY);

  /** Clients that record every call; none may be made (nor even built). */
  function recording(): { calls: string[]; clients: (region: string) => TagClients } {
    const calls: string[] = [];
    const client = {
      send: (command: { constructor: { name: string } }) => {
        calls.push(command.constructor.name);
        return Promise.reject(new Error('no AWS call expected'));
      },
    };
    return {
      calls,
      clients: (region) => {
        calls.push(`clients(${region})`);
        const lazy = (): Promise<typeof client> => Promise.resolve(client);
        return {
          config: client,
          tagging: client,
          ec2: lazy,
          s3: lazy,
          ssm: lazy,
          groups: lazy,
          sts: client,
        } as unknown as TagClients;
      },
    };
  }

  it.each(TAG_COMMANDS.map((command) => [command]))(
    'tags %s --execute --output-dir <a regular file>: exit 2 naming output-dir, no AWS call',
    async (command) => {
      const file = join(mkdtempSync(join(tmpdir(), 'ag-tags-file-')), 'reports');
      writeFileSync(file, '');
      const { calls, clients } = recording();
      await expect(
        tagsCommand(
          { command, policy, execute: command !== 'audit', outputDir: file, region: 'eu-west-1' },
          { clock: systemClock, log: () => undefined, clients },
        ),
      ).rejects.toThrow(`output-dir: ${file} is a file, not a directory`);
      expect(calls).toEqual([]);
    },
  );

  it('tags apply --execute with apply.json taken by a directory: refused before any call, nothing written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ag-tags-dir-'));
    mkdirSync(join(dir, 'apply.json'));
    const { calls, clients } = recording();
    await expect(
      tagsCommand(
        { command: 'apply', policy, execute: true, outputDir: dir, region: 'eu-west-1' },
        { clock: systemClock, log: () => undefined, clients },
      ),
    ).rejects.toThrow(/apply\.json exists and is not a file/);
    expect(calls).toEqual([]);
    expect(readdirSync(dir)).toEqual(['apply.json']);
  });
});

describe('the publish report', () => {
  const text = 'version: 1\n';
  const verdict = {
    verdict: 'pass',
    command: 'tags publish',
    subject: { command: 'publish', execute: false, region: 'eu-west-1' },
    evaluatedAt: '2026-03-02T12:00:00.000Z',
    policy: { origin: '.github/assetguard.yml', sha256: sha256(text) },
    counts: { changes: 1 },
    blocking: [],
    excepted: [],
    exceptions: { expired: [], expiringSoon: [], stale: [] },
    warnings: [],
  } as unknown as TagVerdict;
  const result = (overrides: Partial<PublishResult>): PublishResult => ({
    action: 'would update',
    written: false,
    sha256: sha256(text),
    previousSha256: 'a'.repeat(64),
    version: 4,
    ...overrides,
  });

  it('a dry run shows the parameter, the current and the new sha256, and how to write', () => {
    const details = { command: 'publish' as const, parameter: '/ag/policy', result: result({}) };
    const { summary, files } = renderPublish(verdict, details, 'reports/tags');
    expect(files).toEqual({});
    expect(summary).toMatch(/^## assetguard tags publish: DRY RUN — would update the parameter\n/);
    expect(summary).toContain(
      '`/ag/policy` (version 4) holds another policy: `--execute` would replace it with `.github/assetguard.yml`. **Nothing was written.**',
    );
    expect(summary).toContain(`| Parameter Store (now) | \`${'a'.repeat(64)}\` |`);
    expect(summary).toContain(`| Policy file | \`${sha256(text)}\` |`);
    expect(summary).toContain('Run again with `--execute` (action input `execute: true`)');
    expect(summary).toContain('Reports in `reports/tags` (verdict.json, evidence.json).');
    expect(describePublish(details, '.github/assetguard.yml')).toBe(
      `dry run: /ag/policy holds another policy (sha256 aaaaaaaaaaaa, version 4); --execute would replace it with .github/assetguard.yml (sha256 ${sha256(text).slice(0, 12)}); nothing was written`,
    );
  });

  it('an execute says what was written, and never offers --execute', () => {
    const details = {
      command: 'publish' as const,
      parameter: '/ag/policy',
      result: result({ action: 'updated', written: true, version: 5 }),
    };
    const { summary } = renderPublish(verdict, details, 'reports/tags');
    expect(summary).toMatch(/^## assetguard tags publish: ✅ PUBLISHED \(new version\)/);
    expect(summary).toContain('| Parameter Store (before) |');
    expect(summary).not.toContain('--execute');
  });

  it('keeps a parameter name with Markdown in one code span', () => {
    const details = {
      command: 'publish' as const,
      parameter: '/a|b`c',
      result: result({ action: 'unchanged', previousSha256: sha256(text) }),
    };
    expect(renderPublish(verdict, details, 'reports/tags').summary).toContain('``/a\\|b`c``');
  });
});

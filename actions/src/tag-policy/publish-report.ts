/**
 * What `tags publish` reports: summary.md and the outcome line, for a dry run (what would
 * change: the parameter, the current and the new sha256) and for an execute (what was written).
 * Pure. Kept apart from render.ts while that file is reworked; it follows the same escapes.
 */
import { markdownCode } from '../core/escape';
import { finishSummary, policyLine, table } from '../core/markdown';
import type { Rendered } from '../core/runner';
import type { PublishResult } from '../sinks/parameter-store';
import type { TagVerdict } from './evaluate';

/** What a decided `tags publish` hands to its report. */
export interface PublishDetails {
  command: 'publish';
  /** The SSM parameter (tags.parameter). */
  parameter: string;
  result: PublishResult;
}

const short = (sha256: string | undefined): string => sha256?.slice(0, 12) ?? '–';

/** The outcome line: what was, or on a dry run would be, written; or that nothing differs. */
export function describePublish(details: PublishDetails, origin: string): string {
  const { parameter, result } = details;
  const was = `sha256 ${short(result.previousSha256)}, version ${result.version ?? '–'}`;
  switch (result.action) {
    case 'unchanged':
      return `${parameter} already holds this policy (version ${result.version ?? '–'}, sha256 ${short(result.sha256)}); nothing to write`;
    case 'would create':
      return `dry run: ${parameter} does not exist; --execute would create it from ${origin} (sha256 ${short(result.sha256)}); nothing was written`;
    case 'would update':
      return `dry run: ${parameter} holds another policy (${was}); --execute would replace it with ${origin} (sha256 ${short(result.sha256)}); nothing was written`;
    case 'created':
      return `published ${origin} to ${parameter} (version ${result.version ?? '–'}, sha256 ${short(result.sha256)}); the parameter is new`;
    case 'updated':
      return `published ${origin} to ${parameter} (version ${result.version ?? '–'}, sha256 ${short(result.sha256)}; was ${short(result.previousSha256)})`;
  }
}

const HEADLINE: Record<PublishResult['action'], string> = {
  unchanged: '✅ UP TO DATE',
  'would create': 'DRY RUN — would create the parameter',
  'would update': 'DRY RUN — would update the parameter',
  created: '✅ PUBLISHED (new parameter)',
  updated: '✅ PUBLISHED (new version)',
};

/** The summary's first paragraph: the same facts as the outcome line, in Markdown. */
function publishSentence(details: PublishDetails, origin: string): string {
  const { result } = details;
  const parameter = markdownCode(details.parameter);
  const file = markdownCode(origin);
  const version = String(result.version ?? '–');
  switch (result.action) {
    case 'unchanged':
      return `${parameter} already holds this policy (version ${version}). Nothing to write.`;
    case 'would create':
      return `${parameter} does not exist yet: \`--execute\` would create it from ${file}. **Nothing was written.**`;
    case 'would update':
      return `${parameter} (version ${version}) holds another policy: \`--execute\` would replace it with ${file}. **Nothing was written.**`;
    case 'created':
      return `Created ${parameter} (version ${version}) from ${file}.`;
    case 'updated':
      return `Published ${file} to ${parameter} as version ${version}.`;
  }
}

/**
 * summary.md of a decided `tags publish`; its other reports are verdict.json and evidence.json
 * (publish's result is in evidence.json's `context.published`).
 */
export function renderPublish(
  verdict: TagVerdict,
  details: PublishDetails,
  reportDir: string,
): Rendered {
  const { result } = details;
  const origin = verdict.policy.origin;
  const dryRun = result.action === 'would create' || result.action === 'would update';
  const stored = result.action === 'created' || result.action === 'updated' ? 'before' : 'now';
  const parts = [
    `## assetguard tags publish: ${HEADLINE[result.action]}`,
    publishSentence(details, origin),
    table(
      ['', 'sha256'],
      [
        [
          `Parameter Store (${stored})`,
          result.previousSha256 === undefined
            ? 'no such parameter'
            : markdownCode(result.previousSha256),
        ],
        ['Policy file', markdownCode(result.sha256)],
      ],
    ),
  ];
  if (dryRun) {
    parts.push(
      'Run again with `--execute` (action input `execute: true`) to publish it for the auto-tag Lambda.',
    );
  }
  parts.push(
    policyLine(verdict.policy, verdict.evaluatedAt),
    `Reports in ${markdownCode(reportDir)} (verdict.json, evidence.json).`,
  );
  return {
    summary: finishSummary(parts, `evidence.json in ${markdownCode(reportDir)}`),
    files: {},
  };
}

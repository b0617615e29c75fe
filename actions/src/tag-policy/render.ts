import { cell, table } from '../core/markdown';
import {
  batchChanges,
  formatTags,
  tagSetKey,
  type Coverage,
  type TagCheck,
} from '../core/tag-policy';

export interface AuditReport {
  command: 'tags audit';
  evaluatedAt: string;
  policy: { origin: string; sha256: string };
  minCoverage: number;
  /** pass when coverage ≥ min-coverage, block below it, error when the inventory is incomplete and a minimum is set. */
  verdict: 'pass' | 'block' | 'error';
  coverage: Omit<Coverage, 'worst'>;
  resources: number;
  inventoryComplete: boolean;
  checks: TagCheck[];
  warnings: string[];
}

function percentRows(
  cells: Record<string, { applicable: number; valid: number; percent: number }>,
): string[][] {
  return Object.entries(cells)
    .sort(([, a], [, b]) => a.percent - b.percent)
    .map(([name, value]) => [
      cell(name),
      `${value.percent}%`,
      `${value.valid} / ${value.applicable}`,
    ]);
}

const HEADLINE = { pass: '✅ COVERED', block: '❌ BELOW MINIMUM', error: '⚠️ COULD NOT DECIDE' };

export function renderAuditSummary(
  report: AuditReport,
  worst: readonly TagCheck[],
  plan: string,
): string {
  const { coverage } = report;
  const parts = [
    `## assetguard tags audit: ${HEADLINE[report.verdict]} — ${coverage.overall.percent}% of required tags present and valid`,
    `${report.resources} resource(s); minimum ${report.minCoverage}% (tags.min-coverage).` +
      (report.inventoryComplete
        ? ''
        : ' **The inventory is incomplete: AWS Config is not recording.**'),
    '### Coverage per key',
    table(['Key', 'Coverage', 'Valid / required'], percentRows(coverage.byKey)),
    '### Coverage per resource type',
    table(['Type', 'Coverage', 'Valid / required'], percentRows(coverage.byType)),
  ];
  if (worst.length > 0) {
    parts.push(
      '### Worst offenders',
      table(
        ['Resource', 'Missing', 'Invalid', 'Apply would set'],
        worst.map((check) => [
          cell(check.arn),
          cell(check.missing.join(', ')),
          cell(
            check.invalid.map((entry) => `${entry.key}=${entry.value} (${entry.why})`).join('; '),
          ),
          cell(
            Object.entries(check.set)
              .map(([key, value]) => `${key}=${value}`)
              .join(', '),
          ),
        ]),
      ),
    );
  }
  parts.push('### Plan (what `assetguard tags apply --execute` would change)', plan);
  if (report.warnings.length > 0)
    parts.push('### Warnings', report.warnings.map((warning) => `- ${warning}`).join('\n'));
  parts.push(
    `Policy: \`${report.policy.origin}\` (sha256 \`${report.policy.sha256.slice(0, 12)}\`) · evaluated ${report.evaluatedAt}`,
  );
  return `${parts.join('\n\n')}\n`;
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One row per (resource, required key): status ok / missing / invalid, and what apply would set. */
export function renderAuditCsv(
  checks: readonly TagCheck[],
  tagsOf: (arn: string) => Record<string, string>,
): string {
  const rows = [['arn', 'type', 'key', 'status', 'value', 'would_set']];
  for (const check of checks) {
    const tags = tagsOf(check.arn);
    for (const key of check.applicable) {
      const invalid = check.invalid.find((entry) => entry.key === key);
      const status = check.missing.includes(key) ? 'missing' : invalid ? 'invalid' : 'ok';
      rows.push([check.arn, check.type, key, status, tags[key] ?? '', check.set[key] ?? '']);
    }
  }
  return `${rows.map((row) => row.map(csvField).join(',')).join('\n')}\n`;
}

const PLAN_LIST_LIMIT = 10;

function listArns(arns: readonly string[]): string[] {
  const shown = arns.slice(0, PLAN_LIST_LIMIT).map((arn) => `- \`${arn}\``);
  if (arns.length > PLAN_LIST_LIMIT) shown.push(`- … and ${arns.length - PLAN_LIST_LIMIT} more`);
  return shown;
}

function why(check: TagCheck, key: string): string {
  const invalid = check.invalid.find((entry) => entry.key === key);
  return invalid ? `${key} ("${invalid.value}" ${invalid.why})` : `${key} (missing)`;
}

/**
 * The plan, before anything is written: each tag set with the resources that get it, then the
 * keys apply cannot fix because the policy gives them no derivation and no default.
 */
export function renderPlan(checks: readonly TagCheck[]): string {
  const sets = new Map<string, { tags: Record<string, string>; arns: string[] }>();
  for (const check of checks) {
    if (Object.keys(check.set).length === 0) continue;
    const key = tagSetKey(check.set);
    const entry = sets.get(key) ?? { tags: check.set, arns: [] };
    entry.arns.push(check.arn);
    sets.set(key, entry);
  }
  const resources = [...sets.values()].reduce((sum, entry) => sum + entry.arns.length, 0);
  const calls = batchChanges(checks).length;
  const unresolved = checks.filter((check) => check.unresolved.length > 0);
  const lines = ['## Tag plan', ''];
  if (resources === 0) {
    lines.push(`Nothing to tag: ${checks.length} resource(s) checked.`);
  } else {
    lines.push(
      `${resources} of ${checks.length} resource(s) to tag, in ${sets.size} tag set(s): ${calls} TagResources call(s) of up to 20 ARNs.`,
    );
    const ordered = [...sets.values()].sort(
      (a, b) => b.arns.length - a.arns.length || tagSetKey(a.tags).localeCompare(tagSetKey(b.tags)),
    );
    for (const { tags, arns } of ordered) {
      lines.push('', `### ${formatTags(tags)} — ${arns.length} resource(s)`, '', ...listArns(arns));
    }
  }
  if (unresolved.length > 0) {
    lines.push(
      '',
      `### Not fixable by apply — ${unresolved.length} resource(s)`,
      '',
      'The policy gives these keys no derivation and no valid default (or `overwrite` is false): tag them by hand or extend the policy.',
      '',
      '| Resource | Keys |',
      '| --- | --- |',
    );
    for (const check of unresolved.slice(0, PLAN_LIST_LIMIT * 5)) {
      lines.push(
        `| \`${check.arn}\` | ${check.unresolved.map((key) => why(check, key)).join('; ')} |`,
      );
    }
    if (unresolved.length > PLAN_LIST_LIMIT * 5)
      lines.push(`| … and ${unresolved.length - PLAN_LIST_LIMIT * 5} more | |`);
  }
  return `${lines.join('\n')}\n`;
}

import { cell, table } from '../core/markdown';
import type { Coverage, TagCheck, TagPolicy } from '../core/tag-policy';

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

/** Decides the audit as a gate: coverage against tags.min-coverage. */
export function auditVerdict(
  coverage: Coverage,
  policy: TagPolicy,
  inventoryComplete: boolean,
): AuditReport['verdict'] {
  if (policy.minCoverage > 0 && !inventoryComplete) return 'error';
  return coverage.overall.percent < policy.minCoverage ? 'block' : 'pass';
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

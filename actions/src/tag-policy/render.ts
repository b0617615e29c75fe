import { cell, closingSections, headline, table } from '../core/markdown';
import { jsonFile } from '../core/report-files';
import type { Rendered } from '../core/runner';
import {
  batchChanges,
  formatTags,
  tagSetKey,
  type Coverage,
  type TagCheck,
} from '../core/tag-policy';
import type { GroupSync } from '../sinks/resource-groups';
import type { ApplyResult } from '../sinks/tag-writer';
import { plannedChanges, type InventoryFacts, type TagSubject, type TagVerdict } from './evaluate';

/** What a decided tag command hands to its render, besides the verdict; one shape per command. */
export type TagDetails =
  | {
      command: 'audit';
      checks: TagCheck[];
      coverage: Coverage;
      minCoverage: number;
      inventory: InventoryFacts;
    }
  | {
      command: 'apply';
      /** Every resource checked, for the plan. */
      checks: TagCheck[];
      /** With execute: what the writer did, in how many batches; absent on a dry run. */
      written?: { result: ApplyResult; batches: number };
    }
  | { command: 'publish'; parameter: string; written: boolean; version: number }
  | { command: 'groups'; results: GroupSync[] };

/** tags.json: the audit's coverage and every resource's check (the verdict is in verdict.json too). */
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

/**
 * The audit's summary.md (Markdown): coverage overall, per key and per resource type, the worst
 * offenders, the plan apply would carry out, warnings, and the policy it was measured against.
 */
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

function subjectName(subject: Partial<TagSubject>): string {
  return subject.region ? `the estate in ${subject.region}` : 'the estate';
}

function publishMessage(
  details: Extract<TagDetails, { command: 'publish' }>,
  policy: TagVerdict['policy'],
): string {
  return details.written
    ? `published ${policy.origin} to ${details.parameter} (version ${details.version})`
    : `${details.parameter} already holds this policy (version ${details.version}, sha256 ${policy.sha256.slice(0, 12)}); nothing written`;
}

/**
 * The reports of a tag command besides verdict.json and evidence.json: summary.md (Markdown)
 * and the command's own files — audit: tags.json (coverage and every check) and tags.csv; apply:
 * plan.json on a dry run, apply.json (the writer's per-ARN result) with execute. A run that
 * failed before deciding (`details` undefined) gets a summary that says why.
 */
export function renderTagRun(
  verdict: TagVerdict,
  details: TagDetails | undefined,
  reportDir: string,
): Rendered {
  if (!details) {
    const summary = [
      headline(verdict, subjectName(verdict.subject)),
      `**Could not decide, so the step fails (exit 2).**\n\n${verdict.error ?? ''}`,
      ...closingSections(verdict, reportDir),
    ].join('\n\n');
    return { summary: `${summary}\n`, files: {} };
  }
  switch (details.command) {
    case 'audit': {
      const { worst, ...measured } = details.coverage;
      const report: AuditReport = {
        command: 'tags audit',
        evaluatedAt: verdict.evaluatedAt,
        policy: verdict.policy,
        minCoverage: details.minCoverage,
        verdict: verdict.verdict,
        coverage: measured,
        resources: details.inventory.resources.length,
        inventoryComplete: details.inventory.complete,
        checks: details.checks,
        warnings: verdict.warnings,
      };
      const byArn = new Map(details.inventory.resources.map((asset) => [asset.arn, asset.tags]));
      return {
        summary: renderAuditSummary(report, worst, renderPlan(details.checks)),
        files: {
          'tags.json': jsonFile(report),
          'tags.csv': renderAuditCsv(details.checks, (arn) => byArn.get(arn) ?? {}),
        },
      };
    }
    case 'apply': {
      const plan = renderPlan(details.checks);
      if (!details.written) {
        const planned = plannedChanges(details.checks);
        return {
          summary: `## assetguard tags apply: DRY RUN — ${planned.length} resource(s) would change\n\n${plan}\n\nRun again with \`--execute\` (input \`execute: true\`) to write these tags.\n`,
          files: { 'plan.json': jsonFile(planned) },
        };
      }
      const { result } = details.written;
      const { failed } = result;
      return {
        summary:
          `## assetguard tags apply: ${failed.length === 0 ? '✅ APPLIED' : '⚠️ INCOMPLETE'} — ${result.tagged.length} resource(s) tagged, ${failed.length} failed\n\n${plan}\n` +
          (failed.length > 0
            ? `\n### Failed\n\n${failed.map((entry) => `- ${entry.arn}: ${entry.code} ${entry.message}`).join('\n')}\n`
            : ''),
        files: { 'apply.json': jsonFile(result) },
      };
    }
    case 'publish':
      return {
        summary: `## assetguard tags publish\n\n${publishMessage(details, verdict.policy)}\n`,
        files: {},
      };
    case 'groups': {
      const lines = details.results.map((entry) => `- ${entry.name}: ${entry.action}`);
      return {
        summary: `## assetguard tags groups${verdict.subject.execute ? '' : ' (dry run)'}\n\n${lines.join('\n')}\n`,
        files: {},
      };
    }
  }
}

/** The outcome line of a tag command that decided (pass or block; the runner words errors). */
export function describeTagRun(
  decision: { verdict: TagVerdict; details: TagDetails },
  reportDir: string,
): string {
  const { verdict, details } = decision;
  const { counts } = verdict;
  switch (details.command) {
    case 'audit':
      return verdict.verdict === 'block'
        ? `coverage ${counts.coverage ?? 0}% is below tags.min-coverage ${details.minCoverage}%; see ${reportDir}/summary.md`
        : `coverage ${counts.coverage ?? 0}% (minimum ${details.minCoverage}%) over ${counts.resources ?? 0} resources; apply would change ${counts.changes ?? 0}; reports in ${reportDir}`;
    case 'apply':
      return details.written
        ? `tagged ${details.written.result.tagged.length} resource(s) in ${details.written.batches} batch(es)`
        : `dry run: ${counts.changes ?? 0} resource(s) would change; nothing was written`;
    case 'publish':
      return publishMessage(details, verdict.policy);
    case 'groups':
      return `${details.results.length} group(s), ${counts.changes ?? 0} ${verdict.subject.execute ? 'created or updated' : 'to create or update'}`;
  }
}

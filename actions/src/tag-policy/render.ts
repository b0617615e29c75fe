import { csv, markdownCode, markdownText } from '../core/escape';
import {
  closingSections,
  errorBlock,
  escapedList,
  finishSummary,
  fullDataIn,
  headline,
  MAX_SUMMARY_ROWS,
  policyLine,
  table,
} from '../core/markdown';
import { jsonFile } from '../core/report-files';
import type { Rendered } from '../core/runner';
import { batchChanges, tagSetKey, type Coverage, type TagCheck } from '../core/tag-policy';
import type { GroupSync } from '../sinks/resource-groups';
import type { ApplyResult } from '../sinks/tag-writer';
import { plannedChanges, type InventoryFacts, type TagSubject, type TagVerdict } from './evaluate';

/**
 * What a decided tag command hands to its render, besides the verdict; one shape per command.
 * (`tags publish` has its own report: publish-report.ts.)
 */
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
    .slice(0, MAX_SUMMARY_ROWS)
    .map(([name, value]) => [
      markdownText(name),
      `${value.percent}%`,
      `${value.valid} / ${value.applicable}`,
    ]);
}

/** `Key=Value` pairs as code, sorted by key: tag values are AWS's text (`|`, backticks, newlines). */
function tagList(tags: Record<string, string>): string {
  return Object.keys(tags)
    .sort()
    .map((key) => markdownCode(`${key}=${tags[key] ?? ''}`))
    .join(', ');
}

const HEADLINE = { pass: '✅ COVERED', block: '❌ BELOW MINIMUM', error: '⚠️ COULD NOT DECIDE' };

/** The reports a tag command writes, for its closing line. */
const REPORTS: Record<TagSubject['command'], string[]> = {
  audit: ['verdict.json', 'tags.json', 'tags.csv', 'evidence.json'],
  apply: ['verdict.json', 'plan.json', 'evidence.json'],
  publish: ['verdict.json', 'evidence.json'],
  groups: ['verdict.json', 'evidence.json'],
};

/** `reports in <dir> (files…)`, and how to replay an audit. */
function reportsLine(
  command: TagSubject['command'] | undefined,
  reportDir: string,
  execute = false,
): string {
  const listed = command ? REPORTS[command] : ['verdict.json', 'evidence.json'];
  // apply writes plan.json on a dry run and apply.json when it executed.
  const files = listed.map((file) => (file === 'plan.json' && execute ? 'apply.json' : file));
  const replay =
    command === 'audit' ? `; reproduce with ${markdownCode(`assetguard replay ${reportDir}`)}` : '';
  return `Reports in ${markdownCode(reportDir)} (${files.join(', ')}${replay}).`;
}

/**
 * The audit's summary.md (Markdown): coverage overall, per key and per resource type, the worst
 * offenders, the plan apply would carry out (`planMarkdown`, a `###` section), warnings, and the
 * policy it was measured against. Every value from AWS is escaped; the whole is bounded.
 */
export function renderAuditSummary(
  report: AuditReport,
  worst: readonly TagCheck[],
  plan: string,
  reportDir?: string,
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
          markdownCode(check.arn),
          check.missing.length > 0 ? check.missing.map((key) => markdownText(key)).join(', ') : '–',
          check.invalid.length > 0
            ? check.invalid
                .map(
                  (entry) =>
                    `${markdownCode(`${entry.key}=${entry.value}`)} (${markdownText(entry.why)})`,
                )
                .join('; ')
            : '–',
          Object.keys(check.set).length > 0 ? tagList(check.set) : '–',
        ]),
      ),
    );
  }
  parts.push(plan.trimEnd());
  if (report.warnings.length > 0) {
    parts.push('### Warnings', escapedList(report.warnings, 'tags.json'));
  }
  parts.push(policyLine(report.policy, report.evaluatedAt));
  if (reportDir !== undefined) parts.push(reportsLine('audit', reportDir));
  return finishSummary(parts, fullDataIn(reportDir, 'tags.json'));
}

/**
 * tags.csv: one row per (resource, required key), with status ok / missing / invalid, the
 * current value and what apply would set. Through core/escape `csv`: quoted as RFC 4180 wants,
 * and a value a spreadsheet would run as a formula (`=`, `+`, `-`, `@`) is neutralized.
 */
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
  return csv(rows);
}

/** ARNs listed per tag set in the plan; the rest are counted (the JSON reports list them all). */
const PLAN_LIST_LIMIT = 10;
/** Tag sets shown in the plan's table. */
const PLAN_SETS_LIMIT = 50;

function arnList(arns: readonly string[]): string {
  const shown = arns.slice(0, PLAN_LIST_LIMIT).map((arn) => markdownCode(arn));
  if (arns.length > PLAN_LIST_LIMIT) shown.push(`… and ${arns.length - PLAN_LIST_LIMIT} more`);
  return shown.join(', ');
}

function why(check: TagCheck, key: string): string {
  const invalid = check.invalid.find((entry) => entry.key === key);
  return invalid
    ? `${markdownText(key)} ("${markdownText(invalid.value)}" ${markdownText(invalid.why)})`
    : `${markdownText(key)} (missing)`;
}

/**
 * The plan, before anything is written, as a Markdown section whose heading is at `level` (2 on
 * its own, in the log; 3 inside a summary): one table row per tag set with the resources that
 * get it, then (a sub-section) the keys apply cannot fix because the policy gives them no
 * derivation and no default. Tag values and ARNs are AWS's text and are escaped.
 */
export function planMarkdown(
  checks: readonly TagCheck[],
  options: { level?: 2 | 3; title?: string } = {},
): string {
  const level = options.level ?? 2;
  const heading = '#'.repeat(level);
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
  const lines = [`${heading} ${options.title ?? 'Tag plan'}`, ''];
  if (resources === 0) {
    lines.push(`Nothing to tag: ${checks.length} resource(s) checked.`);
  } else {
    lines.push(
      `${resources} of ${checks.length} resource(s) to tag, in ${sets.size} tag set(s): ${calls} TagResources call(s) of up to 20 ARNs.`,
      '',
    );
    const ordered = [...sets.values()].sort(
      (a, b) => b.arns.length - a.arns.length || tagSetKey(a.tags).localeCompare(tagSetKey(b.tags)),
    );
    lines.push(
      table(
        ['Tags apply sets', 'Resources', 'Which'],
        ordered
          .slice(0, PLAN_SETS_LIMIT)
          .map(({ tags, arns }) => [tagList(tags), String(arns.length), arnList(arns)]),
      ),
    );
    if (ordered.length > PLAN_SETS_LIMIT) {
      lines.push('', `…and ${ordered.length - PLAN_SETS_LIMIT} more tag sets in the JSON reports.`);
    }
  }
  if (unresolved.length > 0) {
    const limit = PLAN_LIST_LIMIT * 5;
    lines.push(
      '',
      `${heading}# Not fixable by apply — ${unresolved.length} resource(s)`,
      '',
      'The policy gives these keys no derivation and no valid default (or `overwrite` is false): tag them by hand or extend the policy.',
      '',
      table(
        ['Resource', 'Keys'],
        unresolved
          .slice(0, limit)
          .map((check) => [
            markdownCode(check.arn),
            check.unresolved.map((key) => why(check, key)).join('; '),
          ]),
      ),
    );
    if (unresolved.length > limit) {
      lines.push('', `…and ${unresolved.length - limit} more in the JSON reports.`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The plan on its own (the log, plan review): `planMarkdown` at heading level 2. */
export function renderPlan(checks: readonly TagCheck[]): string {
  return planMarkdown(checks);
}

function subjectName(subject: Partial<TagSubject>): string {
  return subject.region ? `the estate in ${markdownText(subject.region)}` : 'the estate';
}

/** What the writer could not tag: a table, escaped (AWS's error messages), capped. */
function failedSection(failed: ApplyResult['failed']): string[] {
  if (failed.length === 0) return [];
  const parts = [
    `### Failed (${failed.length})`,
    table(
      ['Resource', 'Error'],
      failed
        .slice(0, MAX_SUMMARY_ROWS)
        .map((entry) => [
          markdownCode(entry.arn),
          `${markdownCode(entry.code)} ${markdownText(entry.message)}`,
        ]),
    ),
  ];
  if (failed.length > MAX_SUMMARY_ROWS) {
    parts.push(`…and ${failed.length - MAX_SUMMARY_ROWS} more in apply.json.`);
  }
  return parts;
}

const GROUP_ACTIONS: Record<GroupSync['action'], string> = {
  created: 'created',
  updated: 'updated',
  'would create': 'would be created',
  'would update': 'would be updated',
  unchanged: 'unchanged',
  skipped: 'skipped',
};

/** The end of every tag summary: warnings, the policy, and where the reports are. */
function tagClosing(verdict: TagVerdict, reportDir: string, warningsIn: string): string[] {
  const parts: string[] = [];
  if (verdict.warnings.length > 0) {
    parts.push('### Warnings', escapedList(verdict.warnings, warningsIn));
  }
  parts.push(
    policyLine(verdict.policy, verdict.evaluatedAt),
    reportsLine(verdict.subject.command, reportDir, verdict.subject.execute === true),
  );
  return parts;
}

/**
 * The reports of a tag command besides verdict.json and evidence.json: summary.md (Markdown)
 * and the command's own files — audit: tags.json (coverage and every check) and tags.csv; apply:
 * plan.json on a dry run, apply.json (the writer's per-ARN result) with execute. A run that
 * failed before deciding (`details` undefined) gets a summary that says why. Every summary
 * escapes what AWS and the user wrote and is bounded (core/markdown `finishSummary`).
 */
export function renderTagRun(
  verdict: TagVerdict,
  details: TagDetails | undefined,
  reportDir: string,
): Rendered {
  if (!details) {
    const parts = [
      headline(verdict, subjectName(verdict.subject)),
      '**Could not decide, so the step fails (exit 2).**',
      errorBlock(verdict.error),
      ...closingSections(verdict, undefined),
      // Nothing was decided, so the command wrote none of its own files.
      reportsLine(undefined, reportDir),
    ];
    return { summary: finishSummary(parts, fullDataIn(reportDir)), files: {} };
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
      const plan = planMarkdown(details.checks, {
        level: 3,
        title: 'Plan (what `assetguard tags apply --execute` would change)',
      });
      return {
        summary: renderAuditSummary(report, worst, plan, reportDir),
        files: {
          'tags.json': jsonFile(report),
          'tags.csv': renderAuditCsv(details.checks, (arn) => byArn.get(arn) ?? {}),
        },
      };
    }
    case 'apply': {
      const plan = planMarkdown(details.checks, { level: 3 }).trimEnd();
      if (!details.written) {
        const planned = plannedChanges(details.checks);
        const parts = [
          `## assetguard tags apply: DRY RUN — ${planned.length} resource(s) would change`,
          plan,
          'Run again with `--execute` (input `execute: true`) to write these tags.',
          ...tagClosing(verdict, reportDir, 'verdict.json'),
        ];
        return {
          summary: finishSummary(parts, fullDataIn(reportDir, 'plan.json')),
          files: { 'plan.json': jsonFile(planned) },
        };
      }
      const { result } = details.written;
      const { failed } = result;
      const parts = [
        `## assetguard tags apply: ${failed.length === 0 ? '✅ APPLIED' : '⚠️ INCOMPLETE'} — ${result.tagged.length} resource(s) tagged, ${failed.length} failed`,
        plan,
        ...failedSection(failed),
        ...tagClosing(verdict, reportDir, 'verdict.json'),
      ];
      return {
        summary: finishSummary(parts, fullDataIn(reportDir, 'apply.json')),
        files: { 'apply.json': jsonFile(result) },
      };
    }
    case 'groups': {
      const dryRun = !verdict.subject.execute;
      const rows = details.results
        .slice(0, MAX_SUMMARY_ROWS)
        .map((entry) => [
          markdownCode(entry.name),
          markdownCode(`${entry.by}=${entry.value}`),
          `${GROUP_ACTIONS[entry.action]}${entry.reason ? `: ${markdownText(entry.reason)}` : ''}`,
        ]);
      const parts = [
        `## assetguard tags groups${dryRun ? ': DRY RUN' : ''} — ${details.results.length} group(s)`,
        details.results.length > 0
          ? table(['Group', 'Tag', dryRun ? 'Would' : 'Done'], rows)
          : 'No group to keep: no resource carries a value of the tags.groups keys.',
        ...(details.results.length > MAX_SUMMARY_ROWS
          ? [`…and ${details.results.length - MAX_SUMMARY_ROWS} more in evidence.json.`]
          : []),
        ...(dryRun
          ? ['Run again with `--execute` (input `execute: true`) to create or update them.']
          : []),
        ...tagClosing(verdict, reportDir, 'verdict.json'),
      ];
      return { summary: finishSummary(parts, fullDataIn(reportDir, 'evidence.json')), files: {} };
    }
  }
}

/**
 * The outcome line of a tag command that decided (pass or block; the runner words errors). Plain
 * text: the boundary that prints it (core/runner `runBoundary`) makes it one log line.
 */
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
    case 'groups':
      return `${details.results.length} group(s), ${counts.changes ?? 0} ${verdict.subject.execute ? 'created or updated' : 'to create or update'}`;
  }
}

import { markdownCode, markdownText } from '../core/escape';
import {
  errorBlock,
  escapedList,
  finishSummary,
  fullDataIn,
  MAX_SUMMARY_ROWS,
  plural,
  policyLine,
  table,
} from '../core/markdown';
import { formatScope } from '../core/scope';
import type { RemediationAuditRecord, RemediationOutcome } from '../core/remediation-audit';
import { jsonFile } from '../core/report-files';
import type { Rendered } from '../core/runner';
import type { BlockingBase, Verdict } from '../core/verdict';
import {
  ruleLabel,
  type RemediateCounts,
  type RemediateSubject,
  type RemediateVerdict,
  type RemediationPlan,
} from './plan';

/** A verdict as render gets it: a failed run knows only part of its subject. */
type ShownVerdict = Verdict<Partial<RemediateSubject>, RemediateCounts, BlockingBase>;

/** Where the run's audit record goes, and what became of the write. */
export interface AuditDelivery {
  /** The location as given (s3://bucket/prefix/ or a directory). */
  location: string;
  /** The record's own path or s3:// URL. */
  path: string;
  /** Set once it is written. */
  written?: string;
  /** Why it could not be written. */
  failed?: string;
}

/** What a decided remediate run hands to render, describe, deliver and the outputs. */
export interface RemediateDetails {
  plan: RemediationPlan;
  outcomes: RemediationOutcome[];
  record: RemediationAuditRecord;
  audit: AuditDelivery;
}

/** The reports remediate writes besides verdict.json, summary.md and evidence.json. */
export const REMEDIATE_REPORTS = ['plan.json'] as const;

const STATUS_WORDS: Record<RemediationOutcome['status'], string> = {
  planned: 'would run',
  refused: '❌ refused',
  skipped: 'skipped',
  success: '✅ success',
  failed: '❌ failed',
  'timed-out': '⚠️ timed out',
};

function headState(verdict: ShownVerdict): string {
  if (verdict.verdict === 'block') return '❌ REFUSED';
  if (verdict.verdict === 'error') return '⚠️ FAILED';
  return verdict.subject.execute ? '✅ REMEDIATED' : 'DRY RUN';
}

function subjectText(subject: Partial<RemediateSubject>): string {
  const rule = subject.rule === undefined ? 'remediation' : markdownText(subject.rule);
  const where = subject.region !== undefined ? ` in ${markdownText(subject.region)}` : '';
  return `${rule}${where}`;
}

/**
 * Untrusted text in a heading: escaped text, never a code span (GitHub shows the `\|` that a
 * code span needs inside a table as written in a heading), with every `#` escaped too, so no
 * run of them can close the heading and vanish.
 */
function headingText(text: string): string {
  return markdownText(text).replace(/\\.|#/g, (match) => (match === '#' ? '\\#' : match));
}

/** Where the resources came from, in words. */
function sourceLine(subject: RemediateSubject): string {
  if (subject.source === 'resources') return 'Resources: as given (the resources input).';
  const scope = Object.keys(subject.scope).length > 0 ? formatScope(subject.scope) : '';
  const from = subject.source === 'config' ? 'AWS Config' : 'Security Hub';
  return `Resources: the non-compliant ones ${from} reports${scope ? ` in scope ${markdownCode(scope)}` : ''}.`;
}

function runbookSection(plan: RemediationPlan): string[] {
  const { remedy } = plan;
  const rows: string[][] = [['Rule', markdownText(ruleLabel(remedy))]];
  if (remedy.title !== undefined) rows.push(['Title', markdownText(remedy.title)]);
  if (remedy.runbook) {
    rows.push(
      ['Runbook', markdownCode(remedy.runbook.document)],
      [
        'From',
        remedy.runbook.origin === 'control mapping table'
          ? 'the control mapping table'
          : `the policy ${markdownCode(remedy.runbook.origin)}`,
      ],
    );
  }
  rows.push([
    'AutomationAssumeRole',
    plan.automationAssumeRole !== undefined
      ? markdownCode(plan.automationAssumeRole)
      : '– (not given)',
  ]);
  rows.push(['max-resources', String(plan.maxResources)]);
  const parts = ['### Runbook', table(['', ''], rows)];
  if (remedy.traps.length > 0) {
    parts.push('#### Traps', remedy.traps.map((trap) => `- ${markdownText(trap)}`).join('\n'));
  }
  if (remedy.notes.length > 0) {
    parts.push(remedy.notes.map((note) => `- ${markdownText(note)}`).join('\n'));
  }
  return parts;
}

/** A table per resource: what it is, its status, and the parameters the runbook gets. */
function resourceSections(
  plan: RemediationPlan,
  outcomes: readonly RemediationOutcome[],
): string[] {
  const parts: string[] = [];
  const shown = plan.resources.slice(0, MAX_SUMMARY_ROWS);
  shown.forEach((resource, index) => {
    const outcome = outcomes[index];
    const rows: string[][] = [];
    if (resource.resourceType !== undefined)
      rows.push(['Type', markdownText(resource.resourceType)]);
    if (resource.resourceId !== undefined && resource.resourceId !== resource.resource) {
      rows.push(['Resource id', markdownCode(resource.resourceId)]);
    }
    rows.push(['Status', STATUS_WORDS[outcome?.status ?? resource.status]]);
    if (outcome?.executionId !== undefined)
      rows.push(['Execution', markdownCode(outcome.executionId)]);
    if (outcome?.executionStatus !== undefined) {
      rows.push(['AWS status', markdownText(outcome.executionStatus)]);
    }
    if (outcome?.failedStep !== undefined)
      rows.push(['Failed step', markdownCode(outcome.failedStep)]);
    const message = outcome?.message ?? resource.message;
    if (message !== undefined) rows.push(['Why', markdownText(message)]);
    for (const [name, value] of Object.entries(resource.parameters ?? {})) {
      rows.push([`Parameter ${markdownText(name)}`, markdownCode(value)]);
    }
    parts.push(`#### ${headingText(resource.resource)}`, table(['', ''], rows));
  });
  if (plan.resources.length > shown.length) {
    parts.push(`…and ${plan.resources.length - shown.length} more in plan.json.`);
  }
  return parts;
}

/** The runner's verdict for a decided run whose delivery (here: the audit record) failed. */
function deliveryFailed(verdict: ShownVerdict): boolean {
  return verdict.verdict === 'error' && verdict.error?.startsWith('delivery failed: ') === true;
}

function leadParagraph(verdict: RemediateVerdict, details: RemediateDetails): string[] {
  const { plan, outcomes } = details;
  const document = plan.remedy.runbook?.document;
  const label = markdownText(ruleLabel(plan.remedy));
  if (plan.refusal !== undefined) {
    return [`**Refused: nothing was run (exit 1).**`, markdownText(plan.refusal)];
  }
  if (plan.resources.length === 0) {
    return [`**Nothing to remediate:** no non-compliant resource of ${label} was found.`];
  }
  const n = plan.resources.length;
  if (!verdict.subject.execute) {
    return [
      `**Dry run: nothing was changed.** ${plural(n, 'resource')} would be remediated with ${markdownCode(document ?? '')}.`,
      'Review the parameters and traps below, then run again with execute (`--execute`, with `--automation-assume-role`); in the remediate workflow, approve the `execute` job.',
    ];
  }
  const succeeded = outcomes.filter((outcome) => outcome.status === 'success').length;
  const parts = [
    `**${succeeded} of ${plural(n, 'resource')} remediated** with ${markdownCode(document ?? '')}.`,
  ];
  if (verdict.verdict === 'error' && !deliveryFailed(verdict))
    parts.push(errorBlock(verdict.error));
  return parts;
}

function auditLine(audit: AuditDelivery | undefined): string[] {
  if (audit === undefined) return [];
  if (audit.failed !== undefined) {
    return [`**The audit record could not be written:** ${markdownText(audit.failed)}`];
  }
  return [
    `Audit record: ${markdownCode(audit.written ?? audit.path)}${audit.written === undefined ? ' (appended once the reports are written)' : ''}.`,
  ];
}

function closing(verdict: ShownVerdict, reportDir: string, decided: boolean): string[] {
  const parts: string[] = [];
  if (verdict.warnings.length > 0) {
    parts.push('### Warnings', escapedList(verdict.warnings, 'verdict.json'));
  }
  const names = ['verdict.json', ...(decided ? ['plan.json'] : []), 'evidence.json'];
  parts.push(
    policyLine(verdict.policy, verdict.evaluatedAt),
    `Reports in ${markdownCode(reportDir)} (${names.join(', ')}).`,
  );
  return parts;
}

/** plan.json: the plan and each resource's outcome, as the run ended. */
function planJson(verdict: RemediateVerdict, details: RemediateDetails): string {
  const { plan, outcomes, record } = details;
  const { remedy } = plan;
  return jsonFile({
    command: 'remediate',
    evaluatedAt: verdict.evaluatedAt,
    verdict: verdict.verdict,
    rule: remedy.rule,
    control: remedy.control ?? null,
    configRuleName: remedy.configRuleName ?? null,
    document: remedy.runbook?.document ?? null,
    documentFrom: remedy.runbook?.origin ?? null,
    traps: remedy.traps,
    notes: remedy.notes,
    refusal: plan.refusal ?? null,
    source: verdict.subject.source,
    scope: verdict.subject.scope,
    region: verdict.subject.region,
    accountId: verdict.subject.accountId,
    dryRun: !verdict.subject.execute,
    maxResources: plan.maxResources,
    automationAssumeRole: plan.automationAssumeRole ?? null,
    audit: { location: details.audit.location, record: details.audit.path, id: record.id },
    resources: plan.resources.map((resource, index) => ({
      ...resource,
      outcome: outcomes[index] ?? null,
    })),
  });
}

/**
 * The remediate reports: summary.md (the job summary and the CLI's stdout: the runbook and its
 * traps, then a table per resource with its status and parameters) and plan.json. Every rule
 * name, resource id, parameter and AWS FailureMessage is escaped (core/escape). A run that
 * failed before deciding gets a summary that says why, and that nothing was run.
 */
export function renderRemediate(
  verdict: ShownVerdict,
  details: RemediateDetails | undefined,
  reportDir: string,
): Rendered {
  const head = `## assetguard remediate: ${headState(verdict)} — ${subjectText(verdict.subject)}`;
  if (details === undefined) {
    const parts = [
      head,
      '**Could not decide, so nothing was run (exit 2).**',
      errorBlock(verdict.error),
      ...closing(verdict, reportDir, false),
    ];
    return { summary: finishSummary(parts, fullDataIn(reportDir)), files: {} };
  }
  // Decided (details exist), so the subject is whole.
  const decided = verdict as RemediateVerdict;
  const parts = [
    head,
    ...(deliveryFailed(verdict) ? [`**Not delivered:** ${markdownText(verdict.error ?? '')}`] : []),
    ...leadParagraph(decided, details),
    sourceLine(decided.subject),
    ...runbookSection(details.plan),
    ...(details.plan.resources.length > 0
      ? [
          `### Resources (${details.plan.resources.length})`,
          ...resourceSections(details.plan, details.outcomes),
        ]
      : []),
    ...auditLine(details.audit),
    ...closing(verdict, reportDir, true),
  ];
  return {
    summary: finishSummary(parts, fullDataIn(reportDir, 'plan.json')),
    files: { 'plan.json': planJson(decided, details) },
  };
}

/** The outcome line of a decided run (pass or block; the runner words errors). Plain text. */
export function describeRemediate(
  details: RemediateDetails,
  execute: boolean,
  reportDir: string,
): string {
  const { plan, outcomes } = details;
  const label = ruleLabel(plan.remedy);
  const document = plan.remedy.runbook?.document ?? 'no runbook';
  if (plan.refusal !== undefined) return `refused, nothing was run: ${plan.refusal}`;
  if (plan.resources.length === 0)
    return `nothing to remediate: no non-compliant resource of ${label}`;
  if (!execute) {
    return `dry run: ${plural(plan.resources.length, 'resource')} would be remediated with ${document}; nothing was changed; the plan is in ${reportDir}/summary.md`;
  }
  const succeeded = outcomes.filter((outcome) => outcome.status === 'success').length;
  return `remediated ${plural(succeeded, 'resource')} with ${document} (${label})`;
}

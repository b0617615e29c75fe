import type { ValidateFunction } from 'ajv';
import recordValidator from './validators/remediation-audit';
import { schemaProblem } from './schema';

export { describeAuditLocation, parseAuditLocation, type AuditLocation } from './audit-location';

/**
 * The remediation audit record: what `assetguard remediate` appends after every run (dry run or
 * execution), and what the daily report reads back. One record per run, one JSON object per
 * file, never rewritten. The shape is the contract between the two commands, so it lives here.
 *
 * Where records go (the `audit` input of remediate, the `remediation-audit` input of the
 * report): `s3://bucket/prefix/` or a local directory (a workflow artifact). Each record's key
 * is `<prefix>/<YYYY>/<MM>/<DD>/<startedAt compact>-<id>.json`, so a reader lists one day's
 * records by prefix, and keys sort by time.
 */

/** Identifies the format; a reader refuses any other. */
export const REMEDIATION_AUDIT_FORMAT = 'assetguard-remediation-audit/1';

/**
 * What happened to one resource. `planned` (dry run), `refused` (the plan would not run it: no
 * safe document), `skipped` (over max-resources or after a stop), `success`, `failed` (a step
 * failed or the execution ended Failed/Cancelled), `timed-out` (AWS TimedOut, or still running
 * when our wait ended).
 */
export type RemediationOutcomeStatus =
  'planned' | 'refused' | 'skipped' | 'success' | 'failed' | 'timed-out';

export const REMEDIATION_OUTCOME_STATUSES: readonly RemediationOutcomeStatus[] = [
  'planned',
  'refused',
  'skipped',
  'success',
  'failed',
  'timed-out',
];

export interface RemediationOutcome {
  /** The resource as the rule reports it: Config's resource id or the ARN. */
  resource: string;
  resourceType?: string;
  /** The SSM Automation document run (or that would run); absent when refused. */
  document?: string;
  status: RemediationOutcomeStatus;
  /** StartAutomationExecution's AutomationExecutionId, once started. */
  executionId?: string;
  /** AWS's final AutomationExecutionStatus (Success, Failed, TimedOut, Cancelled…). */
  executionStatus?: string;
  /** The first failed or timed-out step, by name. */
  failedStep?: string;
  /** Why it failed, was refused or skipped: AWS's FailureMessage or ours. */
  message?: string;
}

export interface RemediationAuditRecord {
  format: typeof REMEDIATION_AUDIT_FORMAT;
  /** Unique per run: the GitHub run id and attempt, or a random id on the CLI. */
  id: string;
  /** Who asked: GITHUB_ACTOR, or the local user name on the CLI. */
  actor: string;
  /** GITHUB_REPOSITORY and the run's URL, when run in Actions. */
  repository?: string;
  runUrl?: string;
  /** ISO 8601 times. */
  startedAt: string;
  finishedAt: string;
  /** The rule or control id as the user gave it, and the control id when the table knows it. */
  rule: string;
  control?: string;
  /** The compliance source the resources came from, or `resources` when given by id. */
  source: 'config' | 'securityhub' | 'resources';
  dryRun: boolean;
  region: string;
  accountId?: string;
  outcomes: RemediationOutcome[];
}

/**
 * The day part of a record's key, `YYYY/MM/DD` in UTC: a reader lists one day by this prefix.
 */
export function auditDayPath(day: Date): string {
  const iso = day.toISOString();
  return `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}`;
}

/**
 * A record's key below the location: `YYYY/MM/DD/<startedAt as 20261130T041500Z>-<id>.json`, the
 * id reduced to characters safe in S3 keys and file names. Keys sort by start time.
 */
export function auditRecordKey(record: Pick<RemediationAuditRecord, 'startedAt' | 'id'>): string {
  const started = new Date(record.startedAt);
  const compact = started
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const id = record.id.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 100);
  return `${auditDayPath(started)}/${compact}-${id}.json`;
}

/** remediation-audit.schema.json's validator (format date-time), compiled at build time (scripts/validators.ts). */
const validateRecord = recordValidator as ValidateFunction<RemediationAuditRecord>;

/** How many schema problems a check names at most (the rest are counted). */
const SHOWN_PROBLEMS = 5;

/**
 * Checks a parsed record (JSON.parse's value) against `remediation-audit.schema.json`: a JSON
 * object whose `format` is REMEDIATION_AUDIT_FORMAT (else it is foreign, said as such, without
 * listing schema problems), then every field of RemediationAuditRecord with its type, enum and
 * ISO 8601 times, and no key the interface lacks. The writer checks before writing, the reader
 * after reading, so both hold the same contract. Pure.
 * @returns the record, or why it is not one: `foreign` (not an object, or another format) or the
 *   schema problems (at most five named, the rest counted), as one sentence without the value.
 */
export function checkRemediationAuditRecord(
  value: unknown,
): { record: RemediationAuditRecord } | { foreign: string } | { invalid: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { foreign: 'is not a JSON object, so not an assetguard remediation audit record' };
  }
  const format = (value as { format?: unknown }).format;
  if (format !== REMEDIATION_AUDIT_FORMAT) {
    return {
      foreign: `is not an assetguard remediation audit record (format ${format === undefined ? 'missing' : JSON.stringify(format)}, expected ${JSON.stringify(REMEDIATION_AUDIT_FORMAT)})`,
    };
  }
  if (validateRecord(value)) return { record: value };
  const problems = (validateRecord.errors ?? []).map(schemaProblem);
  const more =
    problems.length > SHOWN_PROBLEMS ? ` (and ${problems.length - SHOWN_PROBLEMS} more)` : '';
  return {
    invalid: `does not match the ${REMEDIATION_AUDIT_FORMAT} schema: ${problems.slice(0, SHOWN_PROBLEMS).join('; ')}${more}`,
  };
}

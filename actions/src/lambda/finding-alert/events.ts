/**
 * The two EventBridge events the finding-alert Lambda takes, read strictly into one shape. Pure:
 * no I/O.
 *
 * - "Security Hub Findings - Imported" (source aws.securityhub): `detail.findings[]` in the AWS
 *   Security Finding Format (ASFF). One event can carry several findings.
 * - "Inspector2 Finding" (source aws.inspector2): `detail` is one Inspector2 finding. Its dates
 *   are not ISO 8601 and their format has changed over the years ("Dec 3, 2021, 6:02:30 PM",
 *   "Wed Sep 04 17:00:36.951 UTC 2024" in the Inspector user guide's examples), so `updatedAt` is
 *   kept as sent: it only has to tell one update from the next.
 *
 * Field names follow the ASFF syntax page of the Security Hub user guide and the finding event
 * examples of the Inspector user guide ("Amazon EventBridge event schema for Amazon Inspector
 * events"). Anything that does not have the documented shape is a MalformedEventError naming the
 * field, never a guess. The unit is the finding: a Security Hub event carries up to 100 of them,
 * and one malformed finding is reported on its own without hiding the others.
 */
import { UndecidedError } from '../../core/errors';
import { SEVERITIES, severityRank, type Severity } from '../../core/model';
import { fieldReaders, type Json } from '../event-fields';

export const SECURITY_HUB_DETAIL_TYPE = 'Security Hub Findings - Imported';
export const INSPECTOR_DETAIL_TYPE = 'Inspector2 Finding';

/** ASFF `Severity.Label` values. */
const ASFF_SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
/** Inspector2 `severity` values (UNTRIAGED: not scored yet). */
const INSPECTOR_SEVERITIES = [...ASFF_SEVERITIES, 'UNTRIAGED'] as const;
const RECORD_STATES = ['ACTIVE', 'ARCHIVED'] as const;
const WORKFLOW_STATUSES = ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'] as const;
const INSPECTOR_STATUSES = ['ACTIVE', 'SUPPRESSED', 'CLOSED'] as const;

/** An event that is not what AWS documents: the message names the field, e.g. `detail.findings[0].Id`. */
export class MalformedEventError extends UndecidedError {
  constructor(
    readonly field: string,
    /** What is wrong with it: `is missing`, `is "DELETED", not one of ACTIVE, ARCHIVED`. */
    readonly problem: string,
  ) {
    super(`malformed finding event: ${field} ${problem}`);
  }
}

/** One finding of a Security Hub event that is not as documented; its event's others still count. */
export interface MalformedFinding {
  /** Its position in `detail.findings` (0-based). */
  index: number;
  /** Its ASFF `Id`, when that much of it is a non-empty string. */
  id?: string;
  /** The first field of it that is missing or not as documented. */
  error: MalformedEventError;
}

/** How many malformed findings a MalformedFindingsError message names before "and N more". */
const NAMED_IN_MESSAGE = 5;

/**
 * Some findings of an event were malformed; the event's other findings were handled. Thrown
 * after them so that Lambda retries (then the dead-letter queue keeps the event).
 */
export class MalformedFindingsError extends UndecidedError {
  constructor(
    readonly malformed: MalformedFinding[],
    /** How many findings the event carried. */
    readonly total: number,
  ) {
    const named = malformed
      .slice(0, NAMED_IN_MESSAGE)
      .map(({ error }) => `${error.field} ${error.problem}`);
    const more = malformed.length - named.length;
    super(
      `malformed finding event: ${malformed.length} of ${total} finding(s) not as documented ` +
        `(the ${total - malformed.length} other(s) were handled): ${named.join('; ')}` +
        (more > 0 ? `; and ${more} more` : ''),
    );
  }
}

/** One resource a finding is about. */
export interface AlertResource {
  /** As the event gives it: an ARN, or an instance id for Inspector2 EC2 findings. */
  id: string;
  /** ASFF type (`AwsEc2Instance`) or Inspector2 type (`AWS_EC2_INSTANCE`). */
  type: string;
  /** The resource's tags as the event carries them; undefined when the event has none. */
  tags?: Record<string, string>;
  /** The ARN to read its tags with (tag:GetResources), when one can be had from the event. */
  tagArn?: string;
}

/** One finding of an event, in the terms the alert needs. */
export interface AlertFinding {
  source: 'securityhub' | 'inspector2';
  /** ASFF `Id` or Inspector2 `findingArn`. */
  id: string;
  /** ASFF `UpdatedAt` or Inspector2 `updatedAt`, exactly as sent (the dedupe key's second half). */
  updatedAt: string;
  severity: Severity;
  title: string;
  description: string;
  /** Why the finding is open or not, in the event's words: `ACTIVE/NEW`, `ARCHIVED/RESOLVED`, `CLOSED`. */
  state: string;
  /** True for ASFF RecordState ACTIVE with Workflow NEW or NOTIFIED (and no PASSED compliance), Inspector2 ACTIVE. */
  open: boolean;
  resources: AlertResource[];
  /** Where to read more (ASFF SourceUrl or Remediation.Recommendation.Url; Inspector2 sourceUrl); unchecked. */
  url?: string;
  /** The CVE or other vulnerability id, for Inspector2 package findings. */
  vulnerabilityId?: string;
  /** ASFF ProductArn, or `inspector2`. */
  product: string;
  account?: string;
  region?: string;
}

const { object, text } = fieldReaders((field, problem) => new MalformedEventError(field, problem));

/** A string that may be absent (or empty, like ASFF's Description); undefined when absent. */
function optionalText(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new MalformedEventError(field, 'is not a string');
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  const found = text(value, field);
  if (!(allowed as readonly string[]).includes(found)) {
    throw new MalformedEventError(
      field,
      `is ${JSON.stringify(found.slice(0, 40))}, not one of ${allowed.join(', ')}`,
    );
  }
  return found as T;
}

function nonEmptyList(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new MalformedEventError(field, value === undefined ? 'is missing' : 'is not a list');
  }
  if (value.length === 0) throw new MalformedEventError(field, 'is empty');
  return value as unknown[];
}

/** A tag map (`{"Owner": "team-a"}`, as both ASFF and Inspector2 give tags); undefined when absent. */
function tagMap(value: unknown, field: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  const tags = object(value, field);
  for (const [key, tagValue] of Object.entries(tags)) {
    if (typeof tagValue !== 'string') {
      throw new MalformedEventError(`${field}.${key}`, 'is not a string');
    }
  }
  return tags as Record<string, string>;
}

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Json)[key];
  }
  return current;
}

/**
 * The ARN whose tags are the resource's: the id when it is an ARN, with what tag:GetResources
 * does not know cut off (an ECR image's `/sha256:…` leaves its repository; a Lambda version or
 * alias qualifier leaves the function); an Inspector2 EC2 instance id built into its ARN.
 */
export function tagArnOf(
  id: string,
  type: string,
  where: { partition?: string; region?: string; account?: string },
): string | undefined {
  if (id.startsWith('arn:')) {
    const image = id.indexOf('/sha256:');
    if (id.includes(':repository/') && image > 0) return id.slice(0, image);
    const fn = /^(arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+):[^:]+$/.exec(id);
    return fn?.[1] ?? id;
  }
  if (
    (type === 'AWS_EC2_INSTANCE' || type === 'AwsEc2Instance') &&
    /^i-[0-9a-f]+$/.test(id) &&
    where.region !== undefined &&
    where.account !== undefined
  ) {
    return `arn:${where.partition ?? 'aws'}:ec2:${where.region}:${where.account}:instance/${id}`;
  }
  return undefined;
}

function securityHubFinding(value: unknown, at: string, event: Json): AlertFinding {
  const finding = object(value, at);
  const severity = oneOf(
    object(finding.Severity, `${at}.Severity`).Label,
    ASFF_SEVERITIES,
    `${at}.Severity.Label`,
  );
  const updatedAt = text(finding.UpdatedAt, `${at}.UpdatedAt`);
  if (Number.isNaN(Date.parse(updatedAt))) {
    throw new MalformedEventError(`${at}.UpdatedAt`, 'is not an ISO 8601 time');
  }
  const record = oneOf(finding.RecordState, RECORD_STATES, `${at}.RecordState`);
  const workflow = oneOf(
    object(finding.Workflow, `${at}.Workflow`).Status,
    WORKFLOW_STATUSES,
    `${at}.Workflow.Status`,
  );
  const compliance =
    finding.Compliance === undefined
      ? undefined
      : optionalText(
          object(finding.Compliance, `${at}.Compliance`).Status,
          `${at}.Compliance.Status`,
        );
  const account =
    optionalText(finding.AwsAccountId, `${at}.AwsAccountId`) ??
    optionalText(event.account, 'account');
  const region =
    optionalText(finding.Region, `${at}.Region`) ?? optionalText(event.region, 'region');
  const resources = nonEmptyList(finding.Resources, `${at}.Resources`).map((item, index) => {
    const where = `${at}.Resources[${index}]`;
    const resource = object(item, where);
    const id = text(resource.Id, `${where}.Id`);
    const type = text(resource.Type, `${where}.Type`);
    const tags = tagMap(resource.Tags, `${where}.Tags`);
    const partition = optionalText(resource.Partition, `${where}.Partition`);
    const tagArn = tagArnOf(id, type, {
      ...(partition !== undefined && { partition }),
      ...(region !== undefined && { region }),
      ...(account !== undefined && { account }),
    });
    return {
      id,
      type,
      ...(tags !== undefined && { tags }),
      ...(tagArn !== undefined && { tagArn }),
    };
  });
  const url =
    optionalText(finding.SourceUrl, `${at}.SourceUrl`) ??
    optionalText(
      field(finding, 'Remediation', 'Recommendation', 'Url'),
      `${at}.Remediation.Recommendation.Url`,
    );
  const state = [record, workflow, ...(compliance !== undefined ? [compliance] : [])].join('/');
  return {
    source: 'securityhub',
    id: text(finding.Id, `${at}.Id`),
    updatedAt,
    severity,
    title: text(finding.Title, `${at}.Title`),
    description: optionalText(finding.Description, `${at}.Description`) ?? '',
    state,
    open:
      record === 'ACTIVE' &&
      (workflow === 'NEW' || workflow === 'NOTIFIED') &&
      compliance !== 'PASSED',
    resources,
    ...(url !== undefined && { url }),
    product: text(finding.ProductArn, `${at}.ProductArn`),
    ...(account !== undefined && { account }),
    ...(region !== undefined && { region }),
  };
}

function inspectorFinding(value: unknown, event: Json): AlertFinding {
  const at = 'detail';
  const finding = object(value, at);
  const status = oneOf(finding.status, INSPECTOR_STATUSES, `${at}.status`);
  const account =
    optionalText(finding.awsAccountId, `${at}.awsAccountId`) ??
    optionalText(event.account, 'account');
  const eventRegion = optionalText(event.region, 'region');
  const resources = nonEmptyList(finding.resources, `${at}.resources`).map((item, index) => {
    const where = `${at}.resources[${index}]`;
    const resource = object(item, where);
    const id = text(resource.id, `${where}.id`);
    const type = text(resource.type, `${where}.type`);
    const tags = tagMap(resource.tags, `${where}.tags`);
    const partition = optionalText(resource.partition, `${where}.partition`);
    const region = optionalText(resource.region, `${where}.region`) ?? eventRegion;
    const tagArn = tagArnOf(id, type, {
      ...(partition !== undefined && { partition }),
      ...(region !== undefined && { region }),
      ...(account !== undefined && { account }),
    });
    return {
      id,
      type,
      ...(tags !== undefined && { tags }),
      ...(tagArn !== undefined && { tagArn }),
    };
  });
  const details =
    finding.packageVulnerabilityDetails === undefined
      ? undefined
      : object(finding.packageVulnerabilityDetails, `${at}.packageVulnerabilityDetails`);
  const vulnerabilityId = optionalText(
    details?.vulnerabilityId,
    `${at}.packageVulnerabilityDetails.vulnerabilityId`,
  );
  const url = optionalText(details?.sourceUrl, `${at}.packageVulnerabilityDetails.sourceUrl`);
  return {
    source: 'inspector2',
    id: text(finding.findingArn, `${at}.findingArn`),
    updatedAt: text(finding.updatedAt, `${at}.updatedAt`),
    severity: oneOf(finding.severity, INSPECTOR_SEVERITIES, `${at}.severity`),
    title: text(finding.title, `${at}.title`),
    description: optionalText(finding.description, `${at}.description`) ?? '',
    state: status,
    open: status === 'ACTIVE',
    resources,
    ...(url !== undefined && { url }),
    ...(vulnerabilityId !== undefined && { vulnerabilityId }),
    product: 'inspector2',
    ...(account !== undefined && { account }),
    ...(eventRegion !== undefined && { region: eventRegion }),
  };
}

/** The findings of one event: those that are as documented, and those that are not. */
export interface FindingEvent {
  /** The well-formed findings, in the event's order. */
  findings: AlertFinding[];
  /** The malformed findings of a Security Hub event (an Inspector2 event never has any here). */
  malformed: MalformedFinding[];
  /** How many findings the event carried (`findings.length + malformed.length`). */
  total: number;
}

/**
 * The findings of one EventBridge event: every ASFF finding of a Security Hub import, or the one
 * Inspector2 finding. The envelope (`detail-type`, `detail`, a non-empty `detail.findings` list)
 * is checked strictly and throws; then each ASFF finding is checked on its own, and a malformed
 * one lands in `malformed` with the first field that is wrong, so the others can still alert.
 * An Inspector2 event is its one finding: anything wrong in it throws.
 * @throws MalformedEventError naming the field of a malformed envelope (e.g. `detail.findings is
 *   empty`) or Inspector2 finding (`detail.findingArn is missing`), or an unsupported `detail-type`.
 */
export function parseFindingEvent(event: unknown): FindingEvent {
  const envelope = object(event, 'event');
  const detailType = text(envelope['detail-type'], 'detail-type');
  const detail = object(envelope.detail, 'detail');
  if (detailType === SECURITY_HUB_DETAIL_TYPE) {
    // Envelope fields the findings fall back on: wrong here is wrong for every finding.
    optionalText(envelope.account, 'account');
    optionalText(envelope.region, 'region');
    const parsed: FindingEvent = { findings: [], malformed: [], total: 0 };
    nonEmptyList(detail.findings, 'detail.findings').forEach((finding, index) => {
      parsed.total += 1;
      try {
        parsed.findings.push(securityHubFinding(finding, `detail.findings[${index}]`, envelope));
      } catch (error) {
        if (!(error instanceof MalformedEventError)) throw error;
        const id = field(finding, 'Id');
        parsed.malformed.push({
          index,
          ...(typeof id === 'string' && id.trim() !== '' && { id }),
          error,
        });
      }
    });
    return parsed;
  }
  if (detailType === INSPECTOR_DETAIL_TYPE) {
    return { findings: [inspectorFinding(detail, envelope)], malformed: [], total: 1 };
  }
  throw new MalformedEventError(
    'detail-type',
    `is ${JSON.stringify(detailType.slice(0, 60))}, not "${SECURITY_HUB_DETAIL_TYPE}" or "${INSPECTOR_DETAIL_TYPE}"`,
  );
}

/** Why a finding sends no alert under `threshold`, or undefined when it alerts. Pure. */
export function notAlertedBecause(finding: AlertFinding, threshold: Severity): string | undefined {
  if (!finding.open) return `not open (${finding.state})`;
  if (severityRank(finding.severity) > severityRank(threshold)) {
    return `severity ${finding.severity} is below ${threshold}`;
  }
  return undefined;
}

/** The severities at or above `threshold`, most severe first (UNTRIAGED is the lowest). */
export function severitiesAtOrAbove(threshold: Severity): Severity[] {
  return SEVERITIES.slice(0, severityRank(threshold) + 1);
}

/**
 * The EventBridge rule patterns that deliver the findings that may alert at `threshold`. They
 * pre-filter only: in a Security Hub event that carries several findings, each condition matches
 * when any finding matches it, so the handler checks every finding again.
 */
export function eventPatterns(threshold: Severity): {
  securityHub: Json;
  inspector: Json;
} {
  const severities = severitiesAtOrAbove(threshold);
  return {
    securityHub: {
      source: ['aws.securityhub'],
      'detail-type': [SECURITY_HUB_DETAIL_TYPE],
      detail: {
        findings: {
          Severity: { Label: severities },
          RecordState: ['ACTIVE'],
          Workflow: { Status: ['NEW', 'NOTIFIED'] },
        },
      },
    },
    inspector: {
      source: ['aws.inspector2'],
      'detail-type': [INSPECTOR_DETAIL_TYPE],
      detail: { severity: severities, status: ['ACTIVE'] },
    },
  };
}

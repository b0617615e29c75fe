/**
 * The finding-alert Lambda: on each Security Hub import or Inspector2 finding event, alert the
 * resource's owner in real time, once per finding update.
 *
 * event → findings (events.ts, strict; each Security Hub finding on its own) → policy (SSM, cached per container; `report.alert-severity`,
 * `report.owner-tag`) → open and at or above the threshold? → owner from the resource tags (the
 * event's, else tag:GetResources through sources/tagging) → per sink (Slack, SNS): claim the
 * (finding id, update time, sink) in DynamoDB with a conditional PutItem, send, and release the
 * claim if sending failed → summary and one JSON log line per decision.
 *
 * A second delivery of the same (id, updatedAt) finds its claims taken and sends nothing; a new
 * update (another updatedAt) alerts again. A sink that failed is released and the function throws
 * after trying the rest, so Lambda retries (then the DLQ) and only the failed sink sends again.
 * A malformed finding in a Security Hub batch (up to 100 findings) is logged and, like a failed
 * sink, fails the invocation only after every well-formed finding of the batch was handled.
 */
import { createHash, randomUUID } from 'node:crypto';
import { DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import {
  ConfigurationError,
  UndecidedError,
  awsFailure,
  errorMessage,
  hasAwsCode,
} from '../../core/errors';
import type { Severity } from '../../core/model';
import {
  BUILT_IN_POLICY_ORIGIN,
  DEFAULT_POLICY_TEXT,
  loadedFromText,
  type Policy,
} from '../../core/policy';
import { readTags } from '../../sources/tagging';
import {
  destinationSenders,
  destinationsFrom,
  type DestinationClients,
  type Destinations,
  type SinkName,
} from '../destinations';
import { setting } from '../environment';
import { malformedEventLog } from '../event-fields';
import { cachedPolicy, type LogEntry } from '../policy-cache';
import {
  MalformedEventError,
  MalformedFindingsError,
  notAlertedBecause,
  parseFindingEvent,
  type AlertFinding,
  type FindingEvent,
} from './events';
import { slackMessage, snsMessage, type AlertOwner } from './message';

export { jsonLog, type LogEntry } from '../policy-cache';
/** Where alerts go: the variables ssm-role-fixer reads too (lambda/destinations). */
export { SLACK_PARAMETER_ENV, SLACK_URL_ENV, TOPIC_ENV } from '../destinations';

/** DynamoDB table of sent alerts (partition key `pk`, string; TTL attribute `expiresAt`). */
export const TABLE_ENV = 'ASSETGUARD_ALERT_TABLE';
/** SSM parameter holding the policy (what `tags publish` writes); unset: the built-in default. */
export const POLICY_PARAMETER_ENV = 'ASSETGUARD_POLICY_PARAMETER';

/** The DynamoDB attribute holding when a claim expires (epoch seconds), for the table's TTL. */
export const TTL_ATTRIBUTE = 'expiresAt';
/** How long a sent alert is remembered. Security Hub and Inspector2 redeliver within minutes. */
export const DEDUPE_DAYS = 30;
/** The SNS message attribute subscriptions filter on: the owner tag's value, or OWNER_UNKNOWN. */
export const OWNER_ATTRIBUTE = 'owner';
/** The `owner` attribute of an alert whose resource carries no owner tag (or whose tags are unreadable). */
export const OWNER_UNKNOWN = 'unowned';

/**
 * The handler's clients and settings. Where alerts go (`topicArn`, `slack`: at least one) and
 * what sending them needs (`ssm` for the webhook's SecureString, which also reads the policy;
 * `sns`; `postSlack`) are lambda/destinations'.
 */
export interface FindingAlertDeps extends Destinations, DestinationClients {
  dynamodb: DynamoDBClient;
  tagging: ResourceGroupsTaggingAPIClient;
  /** DynamoDB table of claims. */
  table: string;
  /** SSM parameter with the policy; undefined: the built-in default policy. */
  policyParameter?: string;
  now: () => Date;
  log: (entry: LogEntry) => void;
}

export interface FindingAlertSummary {
  /** Findings that alert: where they were sent now, and where an earlier delivery sent them. */
  alerts: {
    id: string;
    severity: Severity;
    owner: string;
    sent: SinkName[];
    alreadySent: SinkName[];
  }[];
  skipped: { id: string; reason: string }[];
  failed: { id: string; sink: SinkName; reason: string }[];
}

export type FindingAlertHandler = (event: unknown) => Promise<FindingAlertSummary>;

/** The deployment's settings from the environment, without clients. */
export type FindingAlertConfig = Pick<
  FindingAlertDeps,
  'table' | 'topicArn' | 'slack' | 'policyParameter'
>;

/**
 * The settings from the Lambda's environment: ASSETGUARD_ALERT_TABLE (required),
 * ASSETGUARD_ALERT_TOPIC_ARN, ASSETGUARD_SLACK_WEBHOOK_PARAMETER or ASSETGUARD_SLACK_WEBHOOK_URL
 * (at most one; at least one of topic and Slack: lambda/destinations `destinationsFrom`),
 * ASSETGUARD_POLICY_PARAMETER.
 * @throws ConfigurationError naming the variable.
 */
export function configFrom(env: NodeJS.ProcessEnv = process.env): FindingAlertConfig {
  const table = setting(env, TABLE_ENV);
  if (table === undefined) {
    throw new ConfigurationError(`${TABLE_ENV} is not set: name the DynamoDB table of sent alerts`);
  }
  const destinations = destinationsFrom(env, { what: 'alert' });
  const policyParameter = setting(env, POLICY_PARAMETER_ENV);
  return {
    table,
    ...destinations,
    ...(policyParameter !== undefined && { policyParameter }),
  };
}

/** The claim's key: the sink and a hash of (finding id, update time), within DynamoDB's key size. */
export function claimKey(sink: SinkName, finding: Pick<AlertFinding, 'id' | 'updatedAt'>): string {
  const hash = createHash('sha256').update(`${finding.id}\n${finding.updatedAt}`).digest('hex');
  return `${sink}#${hash}`;
}

/**
 * The Lambda handler for these clients. Per event: parses the envelope strictly (a malformed
 * envelope or Inspector2 finding is logged with the field and thrown: Lambda retries, then the
 * DLQ; nothing is sent), and each Security Hub finding on its own (a malformed one is logged
 * with its index, id and field, and the others go on); reads the policy; for each well-formed
 * finding that is open and at or above `report.alert-severity`, finds the owner and sends once
 * per sink. Resolves with what was sent, skipped and already sent.
 * @throws MalformedEventError for a malformed envelope; ConfigurationError or AwsError when the
 *   policy or the Slack webhook cannot be read; after every well-formed finding was handled,
 *   MalformedFindingsError naming the malformed findings' fields, or UndecidedError listing every
 *   (finding, sink) that could not be sent (and the malformed findings, if any). The retry of
 *   such an event re-sends nothing already sent: the claims say so.
 */
export function createHandler(deps: FindingAlertDeps): FindingAlertHandler {
  const { log } = deps;
  const currentPolicy: () => Promise<Policy> =
    deps.policyParameter === undefined
      ? (() => {
          const builtIn = loadedFromText(DEFAULT_POLICY_TEXT, BUILT_IN_POLICY_ORIGIN).policy;
          return () => Promise.resolve(builtIn);
        })()
      : cachedPolicy(
          {
            ssm: deps.ssm,
            parameterName: deps.policyParameter,
            now: deps.now,
            log,
          },
          { parameterEnv: POLICY_PARAMETER_ENV },
        );

  async function ownerOf(finding: AlertFinding, tagKey: string): Promise<AlertOwner> {
    for (const resource of finding.resources) {
      const value = resource.tags?.[tagKey];
      if (value !== undefined && value.trim() !== '') return { owner: value, tagKey };
    }
    // Only resources the event gave no tags for are looked up: tags it gave are the resource's.
    const lookup = finding.resources.flatMap((resource) =>
      resource.tags === undefined && resource.tagArn !== undefined ? [resource.tagArn] : [],
    );
    const none = { tagKey, unknownBecause: `no resource carries the ${tagKey} tag` };
    if (lookup.length === 0) return none;
    const reading = await readTags({ tagging: deps.tagging }, lookup);
    for (const arn of lookup) {
      const value = reading.tags.get(arn)?.[tagKey];
      if (value !== undefined && value.trim() !== '') return { owner: value, tagKey };
    }
    const [unreadable] = reading.unreadable;
    if (unreadable === undefined) return none;
    log({
      level: 'warn',
      msg: 'owner unknown: tags unreadable',
      findingId: finding.id,
      arn: unreadable.arn,
      error: unreadable.message,
    });
    return { tagKey, unknownBecause: `the tags could not be read: ${unreadable.message}` };
  }

  /** True when this delivery claimed the (finding, sink); false when one before it did. */
  async function claim(sink: SinkName, finding: AlertFinding, token: string): Promise<boolean> {
    const now = deps.now();
    try {
      await deps.dynamodb.send(
        new PutItemCommand({
          TableName: deps.table,
          Item: {
            pk: { S: claimKey(sink, finding) },
            sink: { S: sink },
            findingId: { S: finding.id },
            updatedAt: { S: finding.updatedAt },
            claim: { S: token },
            claimedAt: { S: now.toISOString() },
            [TTL_ATTRIBUTE]: {
              N: String(Math.floor(now.getTime() / 1000) + DEDUPE_DAYS * 24 * 60 * 60),
            },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (hasAwsCode(error, 'ConditionalCheckFailedException')) return false;
      throw awsFailure(
        `record the ${sink} alert of ${finding.id} in DynamoDB table ${deps.table}`,
        `dynamodb:PutItem on table ${deps.table}`,
        error,
      );
    }
  }

  /** Gives a claim back after its send failed, so the retry sends; only this delivery's claim. */
  async function release(sink: SinkName, finding: AlertFinding, token: string): Promise<void> {
    try {
      await deps.dynamodb.send(
        new DeleteItemCommand({
          TableName: deps.table,
          Key: { pk: { S: claimKey(sink, finding) } },
          ConditionExpression: '#claim = :token',
          ExpressionAttributeNames: { '#claim': 'claim' },
          ExpressionAttributeValues: { ':token': { S: token } },
        }),
      );
    } catch (error) {
      const failure = awsFailure(
        `release the ${sink} alert claim of ${finding.id} in DynamoDB table ${deps.table}`,
        `dynamodb:DeleteItem on table ${deps.table}`,
        error,
      );
      // The alert stays claimed: a retry will not send it. Say so loudly.
      log({
        level: 'error',
        msg: 'alert lost: claim not released',
        findingId: finding.id,
        sink,
        error: failure.message,
      });
    }
  }

  // The webhook URL is read once per container; a failed read is asked again on the next alert.
  const senders = destinationSenders<{ finding: AlertFinding; owner: AlertOwner }>(deps, {
    slack: ({ finding, owner }) => slackMessage(finding, owner),
    sns: ({ finding, owner }) => ({
      ...snsMessage(finding, owner),
      attributes: {
        [OWNER_ATTRIBUTE]: owner.owner ?? OWNER_UNKNOWN,
        severity: finding.severity,
        source: finding.source,
      },
    }),
    described: ({ finding }) => `the alert of ${finding.id}`,
  });

  return async function handler(event: unknown): Promise<FindingAlertSummary> {
    const eventId = (event as { id?: unknown } | null)?.id;
    let parsed: FindingEvent;
    try {
      parsed = parseFindingEvent(event);
    } catch (error) {
      if (error instanceof MalformedEventError) log(malformedEventLog(error, eventId));
      throw error;
    }
    const { findings, malformed } = parsed;
    for (const { index, id, error } of malformed) {
      log({
        level: 'error',
        msg: 'malformed finding',
        eventId,
        index,
        ...(id !== undefined && { findingId: id }),
        field: error.field,
        error: error.message,
      });
    }
    // Every finding malformed: nothing to alert, so no policy read either.
    if (findings.length === 0) throw new MalformedFindingsError(malformed, parsed.total);
    const policy = await currentPolicy();
    const { alertSeverity, ownerTag } = policy.report;
    const summary: FindingAlertSummary = { alerts: [], skipped: [], failed: [] };

    for (const finding of findings) {
      const base = {
        findingId: finding.id,
        severity: finding.severity,
        updatedAt: finding.updatedAt,
      };
      const reason = notAlertedBecause(finding, alertSeverity);
      if (reason !== undefined) {
        summary.skipped.push({ id: finding.id, reason });
        log({ level: 'info', msg: 'no alert', ...base, reason });
        continue;
      }
      const owner = await ownerOf(finding, ownerTag);
      const alert = {
        id: finding.id,
        severity: finding.severity,
        owner: owner.owner ?? OWNER_UNKNOWN,
        sent: [] as SinkName[],
        alreadySent: [] as SinkName[],
      };
      summary.alerts.push(alert);
      const token = randomUUID();
      for (const sender of senders) {
        let claimed: boolean;
        try {
          claimed = await claim(sender.name, finding, token);
        } catch (error) {
          summary.failed.push({ id: finding.id, sink: sender.name, reason: errorMessage(error) });
          log({
            level: 'error',
            msg: 'could not alert',
            ...base,
            sink: sender.name,
            error: errorMessage(error),
          });
          continue;
        }
        if (!claimed) {
          alert.alreadySent.push(sender.name);
          log({ level: 'info', msg: 'already alerted', ...base, sink: sender.name });
          continue;
        }
        try {
          await sender.send({ finding, owner });
        } catch (error) {
          await release(sender.name, finding, token);
          summary.failed.push({ id: finding.id, sink: sender.name, reason: errorMessage(error) });
          log({
            level: 'error',
            msg: 'could not alert',
            ...base,
            sink: sender.name,
            error: errorMessage(error),
          });
          continue;
        }
        alert.sent.push(sender.name);
        log({ level: 'info', msg: 'alerted', ...base, sink: sender.name, owner: alert.owner });
      }
    }
    const badFindings =
      malformed.length > 0 ? new MalformedFindingsError(malformed, parsed.total) : undefined;
    if (summary.failed.length > 0) {
      throw new UndecidedError(
        `could not send ${summary.failed.length} alert(s); Lambda retries them: ${summary.failed
          .map((failure) => `${failure.sink} for ${failure.id}: ${failure.reason}`)
          .join('; ')}` + (badFindings !== undefined ? `; also ${badFindings.message}` : ''),
      );
    }
    if (badFindings !== undefined) throw badFindings;
    return summary;
  };
}

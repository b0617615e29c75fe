/**
 * The ssm-role-fixer Lambda: when an EC2 instance starts running or gets an instance profile
 * (CloudTrail AssociateIamInstanceProfile / ReplaceIamInstanceProfileAssociation), make sure
 * the role it runs with lets Systems Manager manage it (Security Hub SSM.1).
 *
 * event → instance (events.ts, strict) → the event's account and region must be the function's
 * own (an event forwarded from another account or region is refused: the function's role can
 * see and change only its own) → fixInstance (fixer.ts: the instance must exist; attach
 * AmazonSSMManagedInstanceCore to the profile's existing role; never replace a profile) →
 * one JSON log line per decision → a report on Slack and/or SNS for what a person must act on
 * (no profile, an unusable profile, an instance EC2 does not know), for a failure, for an event
 * that is not as documented, and for an event of another account or region.
 *
 * Failures and retries: Lambda retries a thrown invocation (twice, then the dead-letter queue).
 * The handler throws only when retrying can help: an AWS error other than a missing permission
 * or bad credentials (throttling, a network error; the report says it will be retried), or a
 * report that reached no destination. A malformed or refused event, a missing permission or an
 * outcome that needs a person is reported once and the invocation succeeds.
 *
 * The function's own account comes from the invoked function ARN of the Lambda context
 * (`arn:aws:lambda:<region>:<account>:function:<name>`): no call, no permission, no STS client
 * in the bundle. Its region is AWS_REGION, which Lambda sets.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import { parseArn } from '../../core/arn';
import type { LazyClient } from '../../core/aws';
import {
  AwsError,
  ConfigurationError,
  UndecidedError,
  errorMessage,
  isCredentialOrPermissionFailure,
} from '../../core/errors';
import { destinationSenders, type DestinationClients, type SinkName } from '../destinations';
import { malformedEventLog } from '../event-fields';
import type { LogEntry } from '../policy-cache';
import type { FixerConfig } from './config';
import { MalformedEventError, RUNNING, parseFixerEvent, type FixerEvent } from './events';
import { NEEDS_ATTENTION, fixInstance, instanceOfAssociation, type FixResult } from './fixer';
import { slackMessage, snsMessage, type FixerReport } from './message';

export { jsonLog, type LogEntry } from '../policy-cache';

/**
 * The handler's clients and settings; what sending reports needs (`ssm` for the webhook's
 * SecureString, `sns`, `postSlack`) is lambda/destinations'.
 */
export interface FixerDeps extends FixerConfig, DestinationClients {
  ec2: EC2Client;
  /** Built on the first IAM call (lambda/ssm-role-fixer/fixer `FixerClients`). */
  iam: LazyClient<IAMClient>;
  /** The Lambda's region (AWS_REGION): the partition of ARNs that do not say. */
  region: string;
  sleep: (ms: number) => Promise<void>;
  log: (entry: LogEntry) => void;
}

export interface FixerSummary {
  /** The EventBridge event id, when the event had one. */
  eventId?: string;
  /** Why the event needed nothing (a state other than running, a failed call). */
  ignored?: string;
  /** What was done to the instance. */
  result?: FixResult;
  /** The event was not as documented: which field, and how. */
  malformed?: string;
  /** The event is of another account or region than the function's: not acted on. */
  refused?: string;
  /** The fix failed for good (a missing permission, an answer not as documented). */
  failed?: string;
  /** Where a report went (Slack, SNS); empty when there was nothing to report. */
  reported: SinkName[];
}

/**
 * What the handler reads of the Lambda context: the ARN the function was invoked by
 * (`arn:<partition>:lambda:<region>:<account>:function:<name>[:<alias or version>]`).
 */
export interface FixerContext {
  invokedFunctionArn?: string;
}

export type FixerHandler = (event: unknown, context?: FixerContext) => Promise<FixerSummary>;

/** The account of the invoked function ARN, or undefined when it is not a Lambda function ARN. */
export function accountOfFunctionArn(arn: string | undefined): string | undefined {
  const parsed = arn === undefined ? undefined : parseArn(arn);
  if (parsed?.service !== 'lambda' || !parsed.resource.startsWith('function:')) return undefined;
  return /^\d{12}$/.test(parsed.accountId) ? parsed.accountId : undefined;
}

/**
 * Why the event is not the function's to act on, or undefined when its account and region are
 * the function's own. Pure.
 */
export function foreignOrigin(
  event: Pick<FixerEvent, 'account' | 'region'>,
  own: { account: string; region: string },
): string | undefined {
  const other: string[] = [];
  if (event.account !== own.account) {
    other.push(`account ${event.account}, not the function's ${own.account}`);
  }
  if (event.region !== own.region) {
    other.push(`region ${event.region}, not the function's ${own.region}`);
  }
  if (other.length === 0) return undefined;
  return `the event is of ${other.join(', and of ')}: the function acts only on its own account and region (deploy it in each account and region to cover; see docs/ssm-role-fixer.md). Nothing was read or changed`;
}

/**
 * AWS errors a retry meets again: a role at its managed-policy quota, a role or profile deleted
 * meanwhile, an instance that is gone.
 */
const LASTING_AWS_ERRORS = new Set([
  'LimitExceeded',
  'LimitExceededException',
  'NoSuchEntity',
  'NoSuchEntityException',
  'InvalidInstanceID.NotFound',
]);

/** A failure retrying cannot mend: a permission, credentials, a configuration, AWS's answer. */
function permanent(error: unknown): boolean {
  if (error instanceof AwsError) {
    return (
      isCredentialOrPermissionFailure(error.awsCode) ||
      (error.awsCode !== undefined && LASTING_AWS_ERRORS.has(error.awsCode))
    );
  }
  return error instanceof ConfigurationError || error instanceof UndecidedError;
}

function originFacts(event: FixerEvent | undefined, eventId: unknown): [string, string][] {
  const facts: [string, string][] = [];
  if (event !== undefined) {
    facts.push(['Account', event.account], ['Region', event.region]);
  }
  if (event?.kind === 'api-call') {
    facts.push(['Event', event.eventName]);
    if (event.caller !== undefined) facts.push(['Caller', event.caller]);
  } else if (event?.kind === 'state-change') {
    facts.push(['Event', `instance ${event.state}`]);
  }
  if (typeof eventId === 'string') facts.push(['Event id', eventId]);
  return facts;
}

function resultFacts(result: FixResult): [string, string][] {
  return [
    ...(result.profileArn !== undefined ? [['Instance profile', result.profileArn]] : []),
    ...(result.roleName !== undefined ? [['Role', result.roleName]] : []),
  ] as [string, string][];
}

/**
 * The Lambda handler for these clients and settings. Per event: parses it strictly; ignores
 * states other than `running` and failed calls; finds the instance (for a Replace record
 * without a response, through its association); fixes it (fixer.ts `fixInstance`); logs the
 * outcome; reports what needs a person, what failed and a malformed event to every configured
 * destination (Slack, SNS). Resolves with the summary.
 * @throws UndecidedError when a report reached no destination (so Lambda retries, then the
 *   dead-letter queue keeps the event), and the AwsError of a failure retrying may mend
 *   (throttling, network), after reporting it.
 */
export function createHandler(deps: FixerDeps): FixerHandler {
  const { log } = deps;

  // The webhook URL is read once per container; a failed read is asked again on the next report.
  const senders = destinationSenders<FixerReport>(deps, {
    slack: slackMessage,
    sns: (report) => ({
      ...snsMessage(report),
      attributes: { source: 'ssm-role-fixer', kind: report.kind },
    }),
    described: () => 'the ssm-role-fixer report',
  });

  /** Sends to every destination; throws when none took it (a report lost is a silent failure). */
  async function report(content: FixerReport, eventId: unknown): Promise<SinkName[]> {
    const sent: SinkName[] = [];
    const failures: string[] = [];
    for (const sender of senders) {
      try {
        await sender.send(content);
        sent.push(sender.name);
        log({ level: 'info', msg: 'reported', sink: sender.name, kind: content.kind, eventId });
      } catch (error) {
        failures.push(`${sender.name}: ${errorMessage(error)}`);
        log({
          level: 'error',
          msg: 'could not report',
          sink: sender.name,
          kind: content.kind,
          eventId,
          error: errorMessage(error),
        });
      }
    }
    if (sent.length === 0) {
      throw new UndecidedError(
        `could not report to any destination (Lambda retries): ${failures.join('; ') || 'none configured'}; the report was: ${content.reason}`,
      );
    }
    return sent;
  }

  return async function handler(event: unknown, context?: FixerContext): Promise<FixerSummary> {
    const eventId = (event as { id?: unknown } | null)?.id;
    const summary: FixerSummary = {
      ...(typeof eventId === 'string' && { eventId }),
      reported: [],
    };

    let parsed: FixerEvent;
    try {
      parsed = parseFixerEvent(event);
    } catch (error) {
      if (!(error instanceof MalformedEventError)) throw error;
      log(malformedEventLog(error, eventId));
      summary.malformed = error.message;
      summary.reported = await report(
        {
          kind: 'malformed-event',
          reason: `${error.message}. The event was not acted on; it is in the function's log.`,
          facts: originFacts(undefined, eventId),
        },
        eventId,
      );
      return summary;
    }

    const base = { eventId, kind: parsed.kind };
    const facts = originFacts(parsed, eventId);
    const account = accountOfFunctionArn(context?.invokedFunctionArn);
    if (account === undefined) {
      // Lambda always passes it; without it the event's account cannot be checked: fail closed.
      const reason = `cannot tell the function's own account: the Lambda context has no function ARN (invokedFunctionArn ${JSON.stringify(context?.invokedFunctionArn ?? null).slice(0, 120)}). The event was not acted on`;
      summary.failed = reason;
      log({ level: 'error', msg: 'could not fix', ...base, error: reason, retried: false });
      summary.reported = await report(
        {
          kind: 'failed',
          ...(parsed.instanceId !== undefined && { instanceId: parsed.instanceId }),
          reason,
          facts,
        },
        eventId,
      );
      return summary;
    }
    const foreign = foreignOrigin(parsed, { account, region: deps.region });
    if (foreign !== undefined) {
      summary.refused = foreign;
      log({
        level: 'warn',
        msg: 'refused event',
        ...base,
        account: parsed.account,
        region: parsed.region,
        reason: foreign,
      });
      summary.reported = await report(
        {
          kind: 'refused-event',
          ...(parsed.instanceId !== undefined && { instanceId: parsed.instanceId }),
          reason: `${foreign}.`,
          facts,
        },
        eventId,
      );
      return summary;
    }
    if (parsed.kind === 'state-change' && parsed.state !== RUNNING) {
      summary.ignored = `instance state ${parsed.state}, not ${RUNNING}`;
      log({ level: 'info', msg: 'ignored', ...base, reason: summary.ignored });
      return summary;
    }
    if (parsed.kind === 'api-call' && parsed.errorCode !== undefined) {
      summary.ignored = `the ${parsed.eventName} call failed (${parsed.errorCode}): nothing changed`;
      log({ level: 'info', msg: 'ignored', ...base, reason: summary.ignored });
      return summary;
    }

    let instanceId = parsed.instanceId;
    let result: FixResult | undefined;
    let failure: unknown;
    try {
      if (instanceId === undefined && parsed.kind === 'api-call' && parsed.associationId) {
        instanceId = await instanceOfAssociation(deps, parsed.associationId);
      }
      if (instanceId !== undefined) result = await fixInstance(deps, deps, instanceId, deps.region);
    } catch (error) {
      failure = error;
    }

    if (failure !== undefined) {
      const retried = !permanent(failure);
      const message = errorMessage(failure);
      log({ level: 'error', msg: 'could not fix', ...base, instanceId, error: message, retried });
      summary.failed = message;
      summary.reported = await report(
        {
          kind: 'failed',
          ...(instanceId !== undefined && { instanceId }),
          reason: `${message}${retried ? ' (Lambda retries the event)' : ''}`,
          facts,
        },
        eventId,
      );
      if (retried) throw failure instanceof Error ? failure : new Error(message);
      return summary;
    }

    if (result === undefined) {
      // Only a Replace record without its response gets here: its association is gone.
      const association = parsed.kind === 'api-call' ? parsed.associationId : undefined;
      const reason = `the event names no instance, and EC2 no longer knows the replaced association ${association ?? ''}`;
      summary.failed = reason;
      log({ level: 'error', msg: 'no instance', ...base, reason });
      summary.reported = await report({ kind: 'failed', reason, facts }, eventId);
      return summary;
    }

    summary.result = result;
    const attention = NEEDS_ATTENTION.includes(result.status);
    log({
      level: attention ? 'warn' : 'info',
      msg: result.status,
      ...base,
      instanceId: result.instanceId,
      reason: result.reason,
      ...(result.roleName !== undefined && { roleName: result.roleName }),
      ...(result.profileArn !== undefined && { profileArn: result.profileArn }),
      ...(result.associationId !== undefined && { associationId: result.associationId }),
      ...(result.created !== undefined && { created: result.created }),
    });
    if (attention) {
      summary.reported = await report(
        {
          kind: 'needs-attention',
          instanceId: result.instanceId,
          reason: `Instance ${result.instanceId}: ${result.reason}.`,
          facts: [...resultFacts(result), ...facts],
        },
        eventId,
      );
    }
    return summary;
  };
}

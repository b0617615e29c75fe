/**
 * The EventBridge events the ssm-role-fixer Lambda takes, read strictly into one shape. Pure: no
 * I/O.
 *
 * - "EC2 Instance State-change Notification" (source aws.ec2): `detail` is
 *   `{ "instance-id": "i-…", "state": "running" }` (the EC2 user guide, "State change events for
 *   Amazon EC2 instances"). Only `running` is acted on; the rule delivers nothing else.
 * - "AWS API Call via CloudTrail" (source aws.ec2, eventSource ec2.amazonaws.com) for
 *   AssociateIamInstanceProfile and ReplaceIamInstanceProfileAssociation. EC2 logs these two
 *   calls with their request and response wrapped in an element named after the call:
 *   `requestParameters.AssociateIamInstanceProfileRequest.InstanceId` holds the instance;
 *   `requestParameters.ReplaceIamInstanceProfileAssociationRequest` holds only the replaced
 *   `AssociationId` (a Replace request names no instance), and the instance is in
 *   `responseElements.ReplaceIamInstanceProfileAssociationResponse.iamInstanceProfileAssociation
 *   .instanceId`. When a record lacks the response, the association id is kept so the handler
 *   can look the instance up.
 *
 * Both carry EventBridge's `account` and `region`, which are required (12 digits, a region name).
 * Anything that does not have the documented shape is a MalformedEventError naming the field,
 * never a guess.
 */
import { UndecidedError } from '../../core/errors';
import { fieldReaders, type Json } from '../event-fields';

export const STATE_CHANGE_DETAIL_TYPE = 'EC2 Instance State-change Notification';
export const API_CALL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
export const EC2_EVENT_SOURCE = 'ec2.amazonaws.com';
export const ASSOCIATE = 'AssociateIamInstanceProfile';
export const REPLACE = 'ReplaceIamInstanceProfileAssociation';
/** The CloudTrail calls the fixer takes, in the order the EventBridge rule lists them. */
export const API_CALLS = [ASSOCIATE, REPLACE] as const;
export type ApiCall = (typeof API_CALLS)[number];

/** The only instance state acted on: a started or launched instance. */
export const RUNNING = 'running';

/** An event that is not what AWS documents: the message names the field, e.g. `detail.state`. */
export class MalformedEventError extends UndecidedError {
  constructor(
    readonly field: string,
    /** What is wrong with it: `is missing`, `is "x", not one of …`. */
    readonly problem: string,
  ) {
    super(`malformed ssm-role-fixer event: ${field} ${problem}`);
  }
}

/**
 * What both kinds of event say about where they come from. EventBridge sets `account` and
 * `region` on every event; the handler acts only on events of its own account and region.
 */
interface EventOrigin {
  /** The EventBridge event id. */
  id?: string;
  /** The 12-digit account the event happened in. */
  account: string;
  /** The region the event happened in (`ap-northeast-2`). */
  region: string;
  time?: string;
}

export interface StateChangeEvent extends EventOrigin {
  kind: 'state-change';
  instanceId: string;
  state: string;
}

export interface ApiCallEvent extends EventOrigin {
  kind: 'api-call';
  eventName: ApiCall;
  /** The instance, from the request (Associate) or the response (Replace). */
  instanceId?: string;
  /** The association the request named (Replace), to look the instance up when it is unknown. */
  associationId?: string;
  /** Set when the call failed: nothing changed, nothing to do. */
  errorCode?: string;
  /** Who made the call (userIdentity.arn), for the log. */
  caller?: string;
}

export type FixerEvent = StateChangeEvent | ApiCallEvent;

const { object, text } = fieldReaders((field, problem) => new MalformedEventError(field, problem));

function optionalText(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  return text(value, field);
}

/** `i-` and 8 or 17 hexadecimal digits, the two lengths EC2 has issued. */
const INSTANCE_ID = /^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;
/** `iip-assoc-` and hexadecimal digits. */
const ASSOCIATION_ID = /^iip-assoc-[0-9a-f]{8,17}$/;

function instanceId(value: unknown, field: string): string {
  const id = text(value, field);
  if (!INSTANCE_ID.test(id)) {
    throw new MalformedEventError(
      field,
      `is ${JSON.stringify(id.slice(0, 40))}, not an instance id`,
    );
  }
  return id;
}

function associationId(value: unknown, field: string): string {
  const id = text(value, field);
  if (!ASSOCIATION_ID.test(id)) {
    throw new MalformedEventError(
      field,
      `is ${JSON.stringify(id.slice(0, 40))}, not an instance profile association id`,
    );
  }
  return id;
}

/** An optional object: undefined when absent or null (CloudTrail logs `null` for no response). */
function optionalObject(value: unknown, field: string): Json | undefined {
  return value === undefined || value === null ? undefined : object(value, field);
}

/** An AWS account id: 12 digits. */
const ACCOUNT_ID = /^\d{12}$/;
/** A region name as AWS spells them: `us-east-1`, `ap-northeast-2`, `us-gov-west-1`. */
const REGION_NAME = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

function pattern(value: unknown, field: string, shape: RegExp, what: string): string {
  const found = text(value, field);
  if (!shape.test(found)) {
    throw new MalformedEventError(field, `is ${JSON.stringify(found.slice(0, 40))}, not ${what}`);
  }
  return found;
}

/**
 * Where the event comes from. `account` and `region` are required: without them the handler
 * cannot tell an event of its own account and region from one forwarded from elsewhere.
 */
function origin(event: Json): EventOrigin {
  const id = optionalText(event.id, 'id');
  const account = pattern(event.account, 'account', ACCOUNT_ID, 'a 12-digit account id');
  const region = pattern(event.region, 'region', REGION_NAME, 'a region name');
  const time = optionalText(event.time, 'time');
  return {
    ...(id !== undefined && { id }),
    account,
    region,
    ...(time !== undefined && { time }),
  };
}

function stateChange(event: Json): StateChangeEvent {
  const detail = object(event.detail, 'detail');
  return {
    kind: 'state-change',
    ...origin(event),
    instanceId: instanceId(detail['instance-id'], 'detail.instance-id'),
    state: text(detail.state, 'detail.state'),
  };
}

function apiCall(event: Json): ApiCallEvent {
  const detail = object(event.detail, 'detail');
  const eventSource = text(detail.eventSource, 'detail.eventSource');
  if (eventSource !== EC2_EVENT_SOURCE) {
    throw new MalformedEventError(
      'detail.eventSource',
      `is ${JSON.stringify(eventSource.slice(0, 60))}, not ${EC2_EVENT_SOURCE}`,
    );
  }
  const eventName = text(detail.eventName, 'detail.eventName');
  if (!(API_CALLS as readonly string[]).includes(eventName)) {
    throw new MalformedEventError(
      'detail.eventName',
      `is ${JSON.stringify(eventName.slice(0, 60))}, not one of ${API_CALLS.join(', ')}`,
    );
  }
  const name = eventName as ApiCall;
  const errorCode = optionalText(detail.errorCode, 'detail.errorCode');
  const identity = optionalObject(detail.userIdentity, 'detail.userIdentity');
  const caller = optionalText(identity?.arn, 'detail.userIdentity.arn');
  const base: ApiCallEvent = {
    kind: 'api-call',
    ...origin(event),
    eventName: name,
    ...(errorCode !== undefined && { errorCode }),
    ...(caller !== undefined && { caller }),
  };
  // A failed call changed nothing; its request may be anything the caller sent.
  if (errorCode !== undefined) return base;

  const requestField = `detail.requestParameters.${name}Request`;
  const request = object(
    object(detail.requestParameters, 'detail.requestParameters')[`${name}Request`],
    requestField,
  );
  const responseField = `detail.responseElements.${name}Response.iamInstanceProfileAssociation`;
  const response = optionalObject(detail.responseElements, 'detail.responseElements');
  const wrapped = optionalObject(
    response?.[`${name}Response`],
    `detail.responseElements.${name}Response`,
  );
  const association = optionalObject(wrapped?.iamInstanceProfileAssociation, responseField);
  const answered =
    association?.instanceId === undefined
      ? undefined
      : instanceId(association.instanceId, `${responseField}.instanceId`);

  if (name === ASSOCIATE) {
    return { ...base, instanceId: instanceId(request.InstanceId, `${requestField}.InstanceId`) };
  }
  const replaced = associationId(request.AssociationId, `${requestField}.AssociationId`);
  return {
    ...base,
    associationId: replaced,
    ...(answered !== undefined && { instanceId: answered }),
  };
}

/**
 * The event, validated: a state change with its instance and state, or one of the two CloudTrail
 * calls with the instance (or, for a Replace record without a response, the association id).
 * A failed call (`detail.errorCode`) is returned with its code and no instance: the handler
 * ignores it.
 * @throws MalformedEventError naming the first field that is missing or not as documented,
 *   including an unknown `detail-type` or `source`.
 */
export function parseFixerEvent(value: unknown): FixerEvent {
  const event = object(value, 'event');
  const source = text(event.source, 'source');
  if (source !== 'aws.ec2') {
    throw new MalformedEventError(
      'source',
      `is ${JSON.stringify(source.slice(0, 60))}, not aws.ec2`,
    );
  }
  const detailType = text(event['detail-type'], 'detail-type');
  if (detailType === STATE_CHANGE_DETAIL_TYPE) return stateChange(event);
  if (detailType === API_CALL_DETAIL_TYPE) return apiCall(event);
  throw new MalformedEventError(
    'detail-type',
    `is ${JSON.stringify(detailType.slice(0, 60))}, not "${STATE_CHANGE_DETAIL_TYPE}" or "${API_CALL_DETAIL_TYPE}"`,
  );
}

/**
 * The EventBridge patterns of the two rules infra/modules/ssm-role-fixer creates (its
 * policies/*-pattern.json must equal these; a test compares them): instances entering
 * `running`, and successful Associate/Replace calls (failed calls carry `errorCode`).
 */
export function eventPatterns(): { stateChange: unknown; apiCalls: unknown } {
  return {
    stateChange: {
      source: ['aws.ec2'],
      'detail-type': [STATE_CHANGE_DETAIL_TYPE],
      detail: { state: [RUNNING] },
    },
    apiCalls: {
      source: ['aws.ec2'],
      'detail-type': [API_CALL_DETAIL_TYPE],
      detail: {
        eventSource: [EC2_EVENT_SOURCE],
        eventName: [...API_CALLS],
        errorCode: [{ exists: false }],
      },
    },
  };
}

/**
 * Which CloudTrail "AWS API Call via CloudTrail" events create a resource, and how to read the
 * created resource's ARN, CloudFormation type, name and VPC out of each. Pure: no I/O.
 *
 * The table is keyed by eventSource AND eventName because names collide across services
 * (CreateTable is also Glue and Keyspaces, CreateQueue is also MediaConvert, CreateTopic is also
 * MSK, CreateRepository is also CodeCommit). Field names follow the CloudTrail record examples
 * in each service's CloudTrail documentation; where a record may lack the ARN (older records,
 * e.g. DynamoDB's tableDescription before tableArn was logged), the ARN is built from the name.
 */
import { partitionOf } from '../../core/arn';

/** The `detail` of an EventBridge "AWS API Call via CloudTrail" event (the CloudTrail record). */
export interface CloudTrailDetail {
  eventVersion?: string;
  userIdentity?: {
    type?: string;
    arn?: string;
    accountId?: string;
    principalId?: string;
    invokedBy?: string;
  };
  eventTime?: string;
  eventSource?: string;
  eventName?: string;
  awsRegion?: string;
  recipientAccountId?: string;
  requestParameters?: unknown;
  responseElements?: unknown;
  errorCode?: string;
  errorMessage?: string;
}

/** The EventBridge envelope around a CloudTrail record. */
export interface CloudTrailEvent {
  version?: string;
  id?: string;
  'detail-type'?: string;
  source?: string;
  account?: string;
  time?: string;
  region?: string;
  resources?: string[];
  detail?: CloudTrailDetail;
}

export const DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** One resource an event created. */
export interface CreatedResource {
  arn: string;
  /** CloudFormation type, the vocabulary of the tag policy's resource-types. */
  type: string;
  name?: string;
  vpcId?: string;
}

interface EventFacts {
  partition: string;
  region: string;
  account: string;
  request: unknown;
  response: unknown;
}

export interface CreateEvent {
  /** EventBridge `source`, e.g. aws.ec2. */
  source: string;
  eventSource: string;
  eventName: string;
  type: string;
  /** Where the ARN comes from, in words (for docs and logs). */
  arnFrom: string;
  created: (facts: EventFacts) => CreatedResource[];
}

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function text(value: unknown, ...path: string[]): string | undefined {
  const found = field(value, ...path);
  return typeof found === 'string' && found !== '' ? found : undefined;
}

function list(value: unknown, ...path: string[]): unknown[] {
  const found = field(value, ...path);
  return Array.isArray(found) ? (found as unknown[]) : [];
}

/** EC2 responses carry tags as `tagSet.items[{key, value}]`. */
function nameTag(value: unknown): string | undefined {
  for (const tag of list(value, 'tagSet', 'items')) {
    if (text(tag, 'key') === 'Name') return text(tag, 'value');
  }
  return undefined;
}

function resource(
  arn: string | undefined,
  type: string,
  name?: string,
  vpcId?: string,
): CreatedResource[] {
  if (arn === undefined) return [];
  return [
    {
      arn,
      type,
      ...(name !== undefined && { name }),
      ...(vpcId !== undefined && { vpcId }),
    },
  ];
}

function arnOf(facts: EventFacts, service: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  return `arn:${facts.partition}:${service}:${facts.region}:${facts.account}:${path}`;
}

const EC2 = 'ec2.amazonaws.com';

/** Every supported creation event. Add a row to support another; the docs table is this one. */
export const CREATE_EVENTS: readonly CreateEvent[] = [
  {
    source: 'aws.ec2',
    eventSource: EC2,
    eventName: 'RunInstances',
    type: 'AWS::EC2::Instance',
    arnFrom: 'responseElements.instancesSet.items[].instanceId',
    created: (facts) =>
      list(facts.response, 'instancesSet', 'items').flatMap((item) => {
        const id = text(item, 'instanceId');
        return resource(
          id && arnOf(facts, 'ec2', `instance/${id}`),
          'AWS::EC2::Instance',
          nameTag(item),
          text(item, 'vpcId'),
        );
      }),
  },
  {
    source: 'aws.ec2',
    eventSource: EC2,
    eventName: 'CreateVolume',
    type: 'AWS::EC2::Volume',
    arnFrom: 'responseElements.volumeId',
    created: (facts) => {
      const id = text(facts.response, 'volumeId');
      return resource(
        id && arnOf(facts, 'ec2', `volume/${id}`),
        'AWS::EC2::Volume',
        nameTag(facts.response),
      );
    },
  },
  {
    source: 'aws.ec2',
    eventSource: EC2,
    eventName: 'CreateSecurityGroup',
    type: 'AWS::EC2::SecurityGroup',
    arnFrom: 'responseElements.groupId',
    created: (facts) => {
      const id = text(facts.response, 'groupId');
      return resource(
        id && arnOf(facts, 'ec2', `security-group/${id}`),
        'AWS::EC2::SecurityGroup',
        text(facts.request, 'groupName'),
        text(facts.request, 'vpcId'),
      );
    },
  },
  {
    source: 'aws.s3',
    eventSource: 's3.amazonaws.com',
    eventName: 'CreateBucket',
    type: 'AWS::S3::Bucket',
    arnFrom: 'requestParameters.bucketName',
    created: (facts) => {
      const bucket = text(facts.request, 'bucketName');
      return resource(bucket && `arn:${facts.partition}:s3:::${bucket}`, 'AWS::S3::Bucket', bucket);
    },
  },
  {
    source: 'aws.rds',
    eventSource: 'rds.amazonaws.com',
    eventName: 'CreateDBInstance',
    type: 'AWS::RDS::DBInstance',
    arnFrom: 'responseElements.dBInstanceArn',
    created: (facts) => {
      const id =
        text(facts.response, 'dBInstanceIdentifier') ?? text(facts.request, 'dBInstanceIdentifier');
      return resource(
        text(facts.response, 'dBInstanceArn') ?? (id && arnOf(facts, 'rds', `db:${id}`)),
        'AWS::RDS::DBInstance',
        id,
        text(facts.response, 'dBSubnetGroup', 'vpcId'),
      );
    },
  },
  {
    source: 'aws.elasticloadbalancing',
    eventSource: 'elasticloadbalancing.amazonaws.com',
    eventName: 'CreateLoadBalancer',
    type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
    // Classic load balancers log the same event name with no loadBalancers array: none found.
    arnFrom: 'responseElements.loadBalancers[].loadBalancerArn',
    created: (facts) =>
      list(facts.response, 'loadBalancers').flatMap((balancer) =>
        resource(
          text(balancer, 'loadBalancerArn'),
          'AWS::ElasticLoadBalancingV2::LoadBalancer',
          text(balancer, 'loadBalancerName'),
          text(balancer, 'vpcId'),
        ),
      ),
  },
  {
    source: 'aws.lambda',
    eventSource: 'lambda.amazonaws.com',
    eventName: 'CreateFunction20150331',
    type: 'AWS::Lambda::Function',
    arnFrom: 'responseElements.functionArn',
    created: (facts) => {
      const name = text(facts.response, 'functionName') ?? text(facts.request, 'functionName');
      return resource(
        text(facts.response, 'functionArn') ?? (name && arnOf(facts, 'lambda', `function:${name}`)),
        'AWS::Lambda::Function',
        name,
        text(facts.response, 'vpcConfig', 'vpcId'),
      );
    },
  },
  {
    source: 'aws.ecr',
    eventSource: 'ecr.amazonaws.com',
    eventName: 'CreateRepository',
    type: 'AWS::ECR::Repository',
    arnFrom: 'responseElements.repository.repositoryArn',
    created: (facts) => {
      const name =
        text(facts.response, 'repository', 'repositoryName') ??
        text(facts.request, 'repositoryName');
      return resource(
        text(facts.response, 'repository', 'repositoryArn') ??
          (name && arnOf(facts, 'ecr', `repository/${name}`)),
        'AWS::ECR::Repository',
        name,
      );
    },
  },
  {
    source: 'aws.dynamodb',
    eventSource: 'dynamodb.amazonaws.com',
    eventName: 'CreateTable',
    type: 'AWS::DynamoDB::Table',
    arnFrom: 'responseElements.tableDescription.tableArn',
    created: (facts) => {
      const name =
        text(facts.response, 'tableDescription', 'tableName') ?? text(facts.request, 'tableName');
      return resource(
        text(facts.response, 'tableDescription', 'tableArn') ??
          (name && arnOf(facts, 'dynamodb', `table/${name}`)),
        'AWS::DynamoDB::Table',
        name,
      );
    },
  },
  {
    source: 'aws.sns',
    eventSource: 'sns.amazonaws.com',
    eventName: 'CreateTopic',
    type: 'AWS::SNS::Topic',
    arnFrom: 'responseElements.topicArn',
    created: (facts) => {
      const arn =
        text(facts.response, 'topicArn') ?? arnOf(facts, 'sns', text(facts.request, 'name'));
      return resource(arn, 'AWS::SNS::Topic', arn?.split(':').pop());
    },
  },
  {
    source: 'aws.sqs',
    eventSource: 'sqs.amazonaws.com',
    eventName: 'CreateQueue',
    type: 'AWS::SQS::Queue',
    // The URL's host has varied over the years (sqs.<region>.amazonaws.com, queue.amazonaws.com);
    // its last path segment is always the queue name.
    arnFrom: 'responseElements.queueUrl',
    created: (facts) => {
      const name =
        text(facts.response, 'queueUrl')?.split('/').filter(Boolean).pop() ??
        text(facts.request, 'queueName');
      return resource(arnOf(facts, 'sqs', name), 'AWS::SQS::Queue', name);
    },
  },
  {
    source: 'aws.kms',
    eventSource: 'kms.amazonaws.com',
    eventName: 'CreateKey',
    type: 'AWS::KMS::Key',
    arnFrom: 'responseElements.keyMetadata.arn',
    created: (facts) => {
      const id = text(facts.response, 'keyMetadata', 'keyId');
      return resource(
        text(facts.response, 'keyMetadata', 'arn') ?? (id && arnOf(facts, 'kms', `key/${id}`)),
        'AWS::KMS::Key',
      );
    },
  },
];

const BY_KEY = new Map(
  CREATE_EVENTS.map((entry) => [`${entry.eventSource} ${entry.eventName}`, entry]),
);

export function createEventFor(detail: CloudTrailDetail): CreateEvent | undefined {
  if (detail.eventSource === undefined || detail.eventName === undefined) return undefined;
  return BY_KEY.get(`${detail.eventSource} ${detail.eventName}`);
}

/** Where and by whom: the facts every created resource shares. */
export interface EventOrigin {
  region?: string;
  account?: string;
  creator?: string;
  time?: string;
}

export function originOf(event: CloudTrailEvent): EventOrigin {
  const detail = event.detail ?? {};
  const identity = detail.userIdentity ?? {};
  const region = detail.awsRegion ?? event.region;
  const account = detail.recipientAccountId ?? identity.accountId ?? event.account;
  // Service-initiated calls (AWSService identities) have no ARN; say which service it was.
  const creator = identity.arn ?? identity.invokedBy ?? identity.principalId;
  const time = detail.eventTime ?? event.time;
  return {
    ...(region !== undefined && { region }),
    ...(account !== undefined && { account }),
    ...(creator !== undefined && { creator }),
    ...(time !== undefined && { time }),
  };
}

/** The resources a creation event made; empty for events this table does not know. */
export function createdResources(event: CloudTrailEvent): CreatedResource[] {
  const detail = event.detail;
  if (!detail) return [];
  const entry = createEventFor(detail);
  const { region, account } = originOf(event);
  if (!entry || region === undefined || account === undefined) return [];
  return entry.created({
    partition: partitionOf(region),
    region,
    account,
    request: detail.requestParameters,
    response: detail.responseElements,
  });
}

/** The EventBridge rule pattern that delivers exactly the supported events. */
export function eventPattern(): {
  source: string[];
  'detail-type': string[];
  detail: { eventSource: string[]; eventName: string[] };
} {
  const unique = (values: string[]): string[] => [...new Set(values)];
  return {
    source: unique(CREATE_EVENTS.map((entry) => entry.source)),
    'detail-type': [DETAIL_TYPE],
    detail: {
      eventSource: unique(CREATE_EVENTS.map((entry) => entry.eventSource)),
      eventName: unique(CREATE_EVENTS.map((entry) => entry.eventName)),
    },
  };
}

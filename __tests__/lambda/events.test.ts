import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CREATE_EVENTS,
  DETAIL_TYPE,
  createdResources,
  eventPattern,
  originOf,
  type CreatedResource,
} from '../../actions/src/lambda/auto-tag/events';
import { fixture } from '../fixtures/cloudtrail';

const A = '111122223333';
const R = 'ap-northeast-2';
const VPC = 'vpc-0abc1234def567890';

const expected: Record<string, CreatedResource[]> = {
  RunInstances: [
    {
      arn: `arn:aws:ec2:${R}:${A}:instance/i-0123456789abcdef0`,
      type: 'AWS::EC2::Instance',
      name: 'payments-api',
      vpcId: VPC,
    },
    {
      arn: `arn:aws:ec2:${R}:${A}:instance/i-0fedcba9876543210`,
      type: 'AWS::EC2::Instance',
      name: 'payments-api',
      vpcId: VPC,
    },
  ],
  CreateVolume: [
    {
      arn: `arn:aws:ec2:${R}:${A}:volume/vol-0123456789abcdef0`,
      type: 'AWS::EC2::Volume',
      name: 'payments-data',
    },
  ],
  CreateSecurityGroup: [
    {
      arn: `arn:aws:ec2:${R}:${A}:security-group/sg-0123456789abcdef0`,
      type: 'AWS::EC2::SecurityGroup',
      name: 'payments-web',
      vpcId: VPC,
    },
  ],
  CreateBucket: [
    {
      arn: 'arn:aws:s3:::payments-reports-111122223333',
      type: 'AWS::S3::Bucket',
      name: 'payments-reports-111122223333',
    },
  ],
  CreateDBInstance: [
    {
      arn: `arn:aws:rds:${R}:${A}:db:payments-db`,
      type: 'AWS::RDS::DBInstance',
      name: 'payments-db',
      vpcId: VPC,
    },
  ],
  CreateLoadBalancer: [
    {
      arn: `arn:aws:elasticloadbalancing:${R}:${A}:loadbalancer/app/payments-alb/50dc6c495c0c9188`,
      type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
      name: 'payments-alb',
      vpcId: VPC,
    },
  ],
  CreateFunction20150331: [
    {
      arn: `arn:aws:lambda:${R}:${A}:function:payments-worker`,
      type: 'AWS::Lambda::Function',
      name: 'payments-worker',
      vpcId: VPC,
    },
  ],
  CreateRepository: [
    {
      arn: `arn:aws:ecr:${R}:${A}:repository/payments/api`,
      type: 'AWS::ECR::Repository',
      name: 'payments/api',
    },
  ],
  CreateTable: [
    {
      arn: `arn:aws:dynamodb:${R}:${A}:table/payments-ledger`,
      type: 'AWS::DynamoDB::Table',
      name: 'payments-ledger',
    },
  ],
  CreateTopic: [
    {
      arn: `arn:aws:sns:${R}:${A}:payments-alerts`,
      type: 'AWS::SNS::Topic',
      name: 'payments-alerts',
    },
  ],
  CreateQueue: [
    { arn: `arn:aws:sqs:${R}:${A}:payments-jobs`, type: 'AWS::SQS::Queue', name: 'payments-jobs' },
  ],
  CreateKey: [
    {
      arn: `arn:aws:kms:${R}:${A}:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0`,
      type: 'AWS::KMS::Key',
    },
  ],
};

describe('ARN extraction from CloudTrail creation events', () => {
  it.each(Object.entries(expected))('%s', (eventName, resources) => {
    expect(createdResources(fixture(eventName))).toEqual(resources);
  });

  it('has one fixture per supported event, each in the EventBridge envelope', () => {
    const files = readdirSync(join(__dirname, '..', 'fixtures', 'cloudtrail')).sort();
    expect(files).toEqual(CREATE_EVENTS.map((entry) => `${entry.eventName}.json`).sort());
    for (const entry of CREATE_EVENTS) {
      const event = fixture(entry.eventName);
      expect(event['detail-type']).toBe(DETAIL_TYPE);
      expect(event.source).toBe(entry.source);
      expect(event.detail?.eventSource).toBe(entry.eventSource);
      expect(createdResources(event).every((r) => r.type === entry.type)).toBe(true);
    }
  });

  it('builds the ARN from the name when an older record lacks it', () => {
    const table = fixture('CreateTable');
    const response = table.detail?.responseElements as { tableDescription: { tableArn?: string } };
    delete response.tableDescription.tableArn;
    expect(createdResources(table)[0]?.arn).toBe(
      `arn:aws:dynamodb:${R}:${A}:table/payments-ledger`,
    );

    const queue = fixture('CreateQueue', {
      [`https://sqs.${R}.amazonaws.com/${A}/payments-jobs`]: `https://queue.amazonaws.com/${A}/payments-jobs`,
    });
    expect(createdResources(queue)[0]?.arn).toBe(`arn:aws:sqs:${R}:${A}:payments-jobs`);
  });

  it('uses the partition of the region', () => {
    const bucket = fixture('CreateBucket', { [R]: 'cn-north-1' });
    expect(createdResources(bucket)[0]?.arn).toBe('arn:aws-cn:s3:::payments-reports-111122223333');
    const group = fixture('CreateSecurityGroup', { [R]: 'us-gov-west-1' });
    expect(createdResources(group)[0]?.arn).toMatch(/^arn:aws-us-gov:ec2:us-gov-west-1:/);
  });

  it('knows events by source and name: same-named calls of other services create nothing here', () => {
    const glue = fixture('CreateTable', { 'dynamodb.amazonaws.com': 'glue.amazonaws.com' });
    expect(createdResources(glue)).toEqual([]);
    const codecommit = fixture('CreateRepository', {
      'ecr.amazonaws.com': 'codecommit.amazonaws.com',
    });
    expect(createdResources(codecommit)).toEqual([]);
  });

  it('finds no resource in a Classic Load Balancer CreateLoadBalancer (no loadBalancers array)', () => {
    const classic = fixture('CreateLoadBalancer');
    if (classic.detail) classic.detail.responseElements = { dNSName: 'my-lb.elb.amazonaws.com' };
    expect(createdResources(classic)).toEqual([]);
  });

  it('reads creator and time from the record, falling back to the envelope', () => {
    expect(originOf(fixture('CreateTopic'))).toEqual({
      region: R,
      account: A,
      creator: `arn:aws:iam::${A}:user/alice`,
      time: '2026-03-02T09:11:05Z',
    });
    const byService = fixture('RunInstances');
    if (byService.detail) {
      byService.detail.userIdentity = {
        type: 'AWSService',
        invokedBy: 'autoscaling.amazonaws.com',
      };
    }
    expect(originOf(byService).creator).toBe('autoscaling.amazonaws.com');
  });

  it('derives the EventBridge rule pattern from the same table, and docs/auto-tag.md shows it', () => {
    const pattern = eventPattern();
    expect(pattern['detail-type']).toEqual([DETAIL_TYPE]);
    expect(pattern.detail.eventName).toHaveLength(CREATE_EVENTS.length);
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'auto-tag.md'), 'utf8');
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map(
      (m) => JSON.parse(m[1] ?? '') as unknown,
    );
    expect(blocks).toContainEqual(pattern);
    for (const entry of CREATE_EVENTS) expect(doc).toContain(`\`${entry.eventName}\``);
  });
});

import {
  arnName,
  arnOfDiscovered,
  canonicalArn,
  parseArn,
  partitionOf,
  resourceTypeOfArn,
  type Arn,
} from '../../actions/src/core/arn';
import { ACCOUNT } from '../fixtures/seed';

const REGION = 'eu-west-1';

describe('parseArn', () => {
  it.each<[string, Arn | undefined]>([
    [
      `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0abc`,
      {
        partition: 'aws',
        service: 'ec2',
        region: REGION,
        accountId: ACCOUNT,
        resource: 'instance/i-0abc',
      },
    ],
    [
      'arn:aws:s3:::my-bucket',
      { partition: 'aws', service: 's3', region: '', accountId: '', resource: 'my-bucket' },
    ],
    [
      // The resource part keeps its own colons.
      `arn:aws-cn:lambda:cn-north-1:${ACCOUNT}:function:api:live`,
      {
        partition: 'aws-cn',
        service: 'lambda',
        region: 'cn-north-1',
        accountId: ACCOUNT,
        resource: 'function:api:live',
      },
    ],
    [
      `arn:aws:iam::${ACCOUNT}:role/service-role/deployer`,
      {
        partition: 'aws',
        service: 'iam',
        region: '',
        accountId: ACCOUNT,
        resource: 'role/service-role/deployer',
      },
    ],
    ['arn:aws:s3:::', { partition: 'aws', service: 's3', region: '', accountId: '', resource: '' }],
    ['i-0abc', undefined],
    ['arn:aws:s3::my-bucket', undefined],
    [`urn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0abc`, undefined],
    ['', undefined],
  ])('%s', (arn, expected) => {
    expect(parseArn(arn)).toEqual(expected);
  });
});

describe('resourceTypeOfArn', () => {
  const regional = (service: string, resource: string): string =>
    `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;

  it.each<[string, string, string | undefined]>([
    ['an EC2 instance', regional('ec2', 'instance/i-0abc'), 'AWS::EC2::Instance'],
    ['an EBS volume', regional('ec2', 'volume/vol-0abc'), 'AWS::EC2::Volume'],
    ['a security group', regional('ec2', 'security-group/sg-0abc'), 'AWS::EC2::SecurityGroup'],
    ['a VPC', regional('ec2', 'vpc/vpc-0abc'), 'AWS::EC2::VPC'],
    ['a subnet', regional('ec2', 'subnet/subnet-0abc'), 'AWS::EC2::Subnet'],
    ['an EC2 type assetguard does not map', regional('ec2', 'image/ami-0abc'), undefined],
    ['an S3 bucket', 'arn:aws:s3:::my-bucket', 'AWS::S3::Bucket'],
    ['an S3 object is not a bucket', 'arn:aws:s3:::my-bucket/logs/a.txt', undefined],
    ['an RDS instance', regional('rds', 'db:prod-db'), 'AWS::RDS::DBInstance'],
    ['an RDS cluster', regional('rds', 'cluster:prod-cluster'), 'AWS::RDS::DBCluster'],
    ['an RDS snapshot', regional('rds', 'snapshot:nightly'), undefined],
    [
      'an application load balancer',
      regional('elasticloadbalancing', 'loadbalancer/app/web/50dc6c495c0c9188'),
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
    ],
    [
      'a network load balancer',
      regional('elasticloadbalancing', 'loadbalancer/net/edge/a1b2c3d4e5f60718'),
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
    ],
    [
      'a gateway load balancer',
      regional('elasticloadbalancing', 'loadbalancer/gwy/inspect/a1b2c3d4e5f60718'),
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
    ],
    [
      'a classic load balancer is not an ELBv2 one',
      regional('elasticloadbalancing', 'loadbalancer/legacy-web'),
      'AWS::ElasticLoadBalancing::LoadBalancer',
    ],
    [
      'a target group',
      regional('elasticloadbalancing', 'targetgroup/web/73e2d6bc24d8a067'),
      undefined,
    ],
    ['a Lambda function', regional('lambda', 'function:api'), 'AWS::Lambda::Function'],
    ['an ECR repository', regional('ecr', 'repository/web'), 'AWS::ECR::Repository'],
    ['a DynamoDB table', regional('dynamodb', 'table/orders'), 'AWS::DynamoDB::Table'],
    ['a DynamoDB stream', regional('dynamodb', 'table/orders/stream/2026'), 'AWS::DynamoDB::Table'],
    ['an SNS topic', regional('sns', 'alerts'), 'AWS::SNS::Topic'],
    ['an SQS queue', regional('sqs', 'jobs'), 'AWS::SQS::Queue'],
    ['a KMS key', regional('kms', 'key/1234abcd-12ab-34cd-56ef-1234567890ab'), 'AWS::KMS::Key'],
    ['a KMS alias', regional('kms', 'alias/app'), undefined],
    ['an IAM role', `arn:aws:iam::${ACCOUNT}:role/deployer`, 'AWS::IAM::Role'],
    ['an IAM policy', `arn:aws:iam::${ACCOUNT}:policy/read-only`, 'AWS::IAM::Policy'],
    ['an IAM user', `arn:aws:iam::${ACCOUNT}:user/alice`, 'AWS::IAM::User'],
    [
      'an EFS file system',
      regional('elasticfilesystem', 'file-system/fs-0abc'),
      'AWS::EFS::FileSystem',
    ],
    [
      'an EFS access point',
      regional('elasticfilesystem', 'access-point/fsap-0abc'),
      'AWS::EFS::AccessPoint',
    ],
    ['a log group', regional('logs', 'log-group:/aws/lambda/api'), 'AWS::Logs::LogGroup'],
    ['a log destination is not mapped', regional('logs', 'destination:central'), undefined],
    [
      'a network interface',
      regional('ec2', 'network-interface/eni-0abc'),
      'AWS::EC2::NetworkInterface',
    ],
    ['a NAT gateway', regional('ec2', 'natgateway/nat-0abc'), 'AWS::EC2::NatGateway'],
    [
      'a service assetguard does not map',
      regional('secretsmanager', 'secret:db-AbCdEf'),
      undefined,
    ],
    [
      'a China-partition instance',
      `arn:aws-cn:ec2:cn-north-1:${ACCOUNT}:instance/i-0abc`,
      'AWS::EC2::Instance',
    ],
    ['not an ARN', 'i-0abc', undefined],
  ])('%s', (_name, arn, type) => {
    expect(resourceTypeOfArn(arn)).toBe(type);
  });
});

describe('arnName', () => {
  it.each<[string, string]>([
    [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0abc`, 'i-0abc'],
    ['arn:aws:s3:::my-bucket', 'my-bucket'],
    [`arn:aws:sns:${REGION}:${ACCOUNT}:alerts`, 'alerts'],
    [`arn:aws:rds:${REGION}:${ACCOUNT}:db:prod-db`, 'prod-db'],
    [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:api`, 'api'],
    [`arn:aws:iam::${ACCOUNT}:role/service-role/deployer`, 'deployer'],
    ['not-an-arn', 'not-an-arn'],
  ])('%s → %s', (arn, name) => {
    expect(arnName(arn)).toBe(name);
  });
});

describe('partitionOf', () => {
  it.each<[string, string]>([
    ['us-east-1', 'aws'],
    ['eu-central-1', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-gov-east-1', 'aws-us-gov'],
  ])('%s → %s', (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });
});

describe('arnOfDiscovered', () => {
  it.each<[string, string, string, string | undefined, string, string | undefined]>([
    [
      'an SNS topic, whose Config id is already its ARN',
      'AWS::SNS::Topic',
      `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`,
      'alerts',
      REGION,
      `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`,
    ],
    [
      'a load balancer, whose Config id is already its ARN',
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/web/50dc6c495c0c9188`,
      'web',
      REGION,
      `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/web/50dc6c495c0c9188`,
    ],
    [
      'an EC2 instance, by id',
      'AWS::EC2::Instance',
      'i-0abc',
      undefined,
      REGION,
      `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0abc`,
    ],
    [
      'an EBS volume, by id',
      'AWS::EC2::Volume',
      'vol-0abc',
      undefined,
      REGION,
      `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0abc`,
    ],
    [
      'a security group, by id (not its name)',
      'AWS::EC2::SecurityGroup',
      'sg-0abc',
      'web-sg',
      REGION,
      `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-0abc`,
    ],
    [
      'an S3 bucket: no region, no account',
      'AWS::S3::Bucket',
      'my-bucket',
      'my-bucket',
      REGION,
      'arn:aws:s3:::my-bucket',
    ],
    [
      'an RDS instance by its name, not its DbiResourceId',
      'AWS::RDS::DBInstance',
      'db-ABCDEFGHIJKLMNOPQRSTUVWXY',
      'prod-db',
      REGION,
      `arn:aws:rds:${REGION}:${ACCOUNT}:db:prod-db`,
    ],
    [
      'a Lambda function',
      'AWS::Lambda::Function',
      'api',
      'api',
      REGION,
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:api`,
    ],
    [
      'an ECR repository',
      'AWS::ECR::Repository',
      'web',
      'web',
      REGION,
      `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/web`,
    ],
    [
      'a DynamoDB table',
      'AWS::DynamoDB::Table',
      'orders',
      'orders',
      REGION,
      `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders`,
    ],
    [
      'an SQS queue by its name, not its URL',
      'AWS::SQS::Queue',
      `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/jobs`,
      'jobs',
      REGION,
      `arn:aws:sqs:${REGION}:${ACCOUNT}:jobs`,
    ],
    [
      'a KMS key, by id',
      'AWS::KMS::Key',
      '1234abcd-12ab-34cd-56ef-1234567890ab',
      undefined,
      REGION,
      `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    ],
    [
      // Its ARN holds its path (role/service-role/deployer), which Config's id and name lack:
      // the inventory looks it up in Config's configuration item instead of guessing.
      'an IAM role is not built from its name',
      'AWS::IAM::Role',
      'AROAEXAMPLEID',
      'deployer',
      REGION,
      undefined,
    ],
    [
      'an EFS file system, by id',
      'AWS::EFS::FileSystem',
      'fs-0abc',
      undefined,
      REGION,
      `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:file-system/fs-0abc`,
    ],
    [
      'a CloudWatch log group, by name, as the Tagging API lists it',
      'AWS::Logs::LogGroup',
      '/aws/lambda/api',
      '/aws/lambda/api',
      REGION,
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/api`,
    ],
    [
      'a log group whose Config id is its ARN with ":*"',
      'AWS::Logs::LogGroup',
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/api:*`,
      '/aws/lambda/api',
      REGION,
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/api`,
    ],
    [
      'the name falls back to the id',
      'AWS::DynamoDB::Table',
      'orders',
      undefined,
      REGION,
      `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders`,
    ],
    [
      'an instance in a China region',
      'AWS::EC2::Instance',
      'i-0abc',
      undefined,
      'cn-north-1',
      `arn:aws-cn:ec2:cn-north-1:${ACCOUNT}:instance/i-0abc`,
    ],
    [
      'a bucket in a China region',
      'AWS::S3::Bucket',
      'my-bucket',
      'my-bucket',
      'cn-northwest-1',
      'arn:aws-cn:s3:::my-bucket',
    ],
    [
      'a log group in GovCloud',
      'AWS::Logs::LogGroup',
      'app',
      'app',
      'us-gov-west-1',
      `arn:aws-us-gov:logs:us-gov-west-1:${ACCOUNT}:log-group:app`,
    ],
    [
      'a table in GovCloud',
      'AWS::DynamoDB::Table',
      'orders',
      'orders',
      'us-gov-east-1',
      `arn:aws-us-gov:dynamodb:us-gov-east-1:${ACCOUNT}:table/orders`,
    ],
    [
      'a type assetguard does not build (an ECS service needs its cluster)',
      'AWS::ECS::Service',
      'web',
      'web',
      REGION,
      undefined,
    ],
    [
      'a name like an Object.prototype member is not a builder',
      'constructor',
      'x',
      'x',
      REGION,
      undefined,
    ],
  ])('%s', (_name, type, id, name, region, arn) => {
    expect(arnOfDiscovered(type, id, name, region, ACCOUNT)).toBe(arn);
  });

  it('builds ARNs that map back to the type Config reported', () => {
    const types = [
      'AWS::EC2::Instance',
      'AWS::EC2::Volume',
      'AWS::EC2::SecurityGroup',
      'AWS::EC2::VPC',
      'AWS::EC2::Subnet',
      'AWS::S3::Bucket',
      'AWS::RDS::DBInstance',
      'AWS::Lambda::Function',
      'AWS::ECR::Repository',
      'AWS::DynamoDB::Table',
      'AWS::SQS::Queue',
      'AWS::KMS::Key',
      'AWS::EFS::FileSystem',
      'AWS::EFS::AccessPoint',
      'AWS::Logs::LogGroup',
      'AWS::EC2::NetworkInterface',
      'AWS::EC2::InternetGateway',
      'AWS::EC2::NatGateway',
      'AWS::EC2::RouteTable',
      'AWS::EC2::NetworkAcl',
    ];
    for (const type of types) {
      const arn = arnOfDiscovered(type, 'id-1', 'name-1', REGION, ACCOUNT);
      expect([type, arn && resourceTypeOfArn(arn)]).toEqual([type, type]);
    }
  });
});

describe('canonicalArn', () => {
  it.each<[string, string, string]>([
    [
      'drops the ":*" DescribeLogGroups and Config put after a log group ARN',
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:app:*`,
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:app`,
    ],
    [
      'keeps a log group ARN without it',
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:app`,
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:app`,
    ],
    [
      'keeps every other ARN as it is',
      `arn:aws:sns:${REGION}:${ACCOUNT}:alerts:*`,
      `arn:aws:sns:${REGION}:${ACCOUNT}:alerts:*`,
    ],
  ])('%s', (_name, arn, canonical) => {
    expect(canonicalArn(arn)).toBe(canonical);
  });
});

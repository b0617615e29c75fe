/** ARNs: parsing, and the CloudFormation-style type of the resource an ARN names. */

export interface Arn {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  resource: string;
}

export function parseArn(arn: string): Arn | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition = '', service = '', region = '', accountId = ''] = parts;
  return { partition, service, region, accountId, resource: parts.slice(5).join(':') };
}

/** service → [resource prefix, type]; the first prefix that matches wins ('' matches anything). */
const TYPES: Record<string, [string, string][]> = {
  ec2: [
    ['instance/', 'AWS::EC2::Instance'],
    ['volume/', 'AWS::EC2::Volume'],
    ['security-group/', 'AWS::EC2::SecurityGroup'],
    ['vpc/', 'AWS::EC2::VPC'],
    ['subnet/', 'AWS::EC2::Subnet'],
  ],
  s3: [['', 'AWS::S3::Bucket']],
  rds: [
    ['db:', 'AWS::RDS::DBInstance'],
    ['cluster:', 'AWS::RDS::DBCluster'],
  ],
  elasticloadbalancing: [['loadbalancer/', 'AWS::ElasticLoadBalancingV2::LoadBalancer']],
  lambda: [['function:', 'AWS::Lambda::Function']],
  ecr: [['repository/', 'AWS::ECR::Repository']],
  dynamodb: [['table/', 'AWS::DynamoDB::Table']],
  sns: [['', 'AWS::SNS::Topic']],
  sqs: [['', 'AWS::SQS::Queue']],
  kms: [['key/', 'AWS::KMS::Key']],
  iam: [
    ['role/', 'AWS::IAM::Role'],
    ['policy/', 'AWS::IAM::Policy'],
  ],
};

/** The CloudFormation resource type of an ARN, or undefined for types assetguard does not map. */
export function resourceTypeOfArn(arn: string): string | undefined {
  const parsed = parseArn(arn);
  if (!parsed) return undefined;
  for (const [prefix, type] of TYPES[parsed.service] ?? []) {
    if (parsed.resource.startsWith(prefix)) {
      // s3: a bucket ARN has no '/' (objects do); sns/sqs: the resource is just the name.
      if (prefix === '' && parsed.resource.includes('/')) continue;
      return type;
    }
  }
  return undefined;
}

/** The last segment of an ARN's resource part: an instance id, a bucket or topic name. */
export function arnName(arn: string): string {
  const resource = parseArn(arn)?.resource ?? arn;
  return resource.split(/[/:]/).pop() ?? resource;
}

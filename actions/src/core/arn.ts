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
    ['network-interface/', 'AWS::EC2::NetworkInterface'],
    ['internet-gateway/', 'AWS::EC2::InternetGateway'],
    ['natgateway/', 'AWS::EC2::NatGateway'],
    ['route-table/', 'AWS::EC2::RouteTable'],
    ['network-acl/', 'AWS::EC2::NetworkAcl'],
  ],
  elasticfilesystem: [
    ['file-system/', 'AWS::EFS::FileSystem'],
    ['access-point/', 'AWS::EFS::AccessPoint'],
  ],
  logs: [['log-group:', 'AWS::Logs::LogGroup']],
  s3: [['', 'AWS::S3::Bucket']],
  rds: [
    ['db:', 'AWS::RDS::DBInstance'],
    ['cluster:', 'AWS::RDS::DBCluster'],
  ],
  elasticloadbalancing: [
    ['loadbalancer/app/', 'AWS::ElasticLoadBalancingV2::LoadBalancer'],
    ['loadbalancer/net/', 'AWS::ElasticLoadBalancingV2::LoadBalancer'],
    ['loadbalancer/gwy/', 'AWS::ElasticLoadBalancingV2::LoadBalancer'],
    // A classic load balancer's ARN is loadbalancer/<name>, with no app/, net/ or gwy/.
    ['loadbalancer/', 'AWS::ElasticLoadBalancing::LoadBalancer'],
  ],
  lambda: [['function:', 'AWS::Lambda::Function']],
  ecr: [['repository/', 'AWS::ECR::Repository']],
  dynamodb: [['table/', 'AWS::DynamoDB::Table']],
  sns: [['', 'AWS::SNS::Topic']],
  sqs: [['', 'AWS::SQS::Queue']],
  kms: [['key/', 'AWS::KMS::Key']],
  iam: [
    ['role/', 'AWS::IAM::Role'],
    ['policy/', 'AWS::IAM::Policy'],
    ['user/', 'AWS::IAM::User'],
  ],
};

/** The CloudFormation resource type of an ARN, or undefined for types assetguard does not map. */
export function resourceTypeOfArn(arn: string): string | undefined {
  const parsed = parseArn(arn);
  if (!parsed) return undefined;
  for (const [prefix, type] of Object.hasOwn(TYPES, parsed.service)
    ? (TYPES[parsed.service] ?? [])
    : []) {
    if (parsed.resource.startsWith(prefix)) {
      // s3: a bucket ARN has no '/' (objects do); sns/sqs: the resource is just the name.
      if (prefix === '' && parsed.resource.includes('/')) continue;
      return type;
    }
  }
  return undefined;
}

/**
 * The service part of the ARNs of a CloudFormation resource type (`AWS::EC2::Volume` → `ec2`),
 * or undefined for types assetguard does not map. It is also the Tagging API's service-wide
 * ResourceTypeFilters value for the type ("ec2" returns every EC2 resource).
 */
export function arnServiceOfType(type: string): string | undefined {
  for (const [service, types] of Object.entries(TYPES)) {
    if (types.some(([, known]) => known === type)) return service;
  }
  return undefined;
}

/** The last segment of an ARN's resource part: an instance id, a bucket or topic name. */
export function arnName(arn: string): string {
  const resource = parseArn(arn)?.resource ?? arn;
  return resource.split(/[/:]/).pop() ?? resource;
}

/**
 * How to build a resource's ARN from what AWS Config's ListDiscoveredResources returns, for the
 * types whose ARN is a function of Config's id or name alone. Types whose ARN needs more (an IAM
 * role's or user's path, an ECS service's cluster) are not here: sources/inventory looks their
 * ARNs up in Config's own configuration items instead.
 */
const BUILDERS: Record<
  string,
  (id: string, name: string) => [service: string, regional: boolean, resource: string]
> = {
  'AWS::EC2::Instance': (id) => ['ec2', true, `instance/${id}`],
  'AWS::EC2::Volume': (id) => ['ec2', true, `volume/${id}`],
  'AWS::EC2::SecurityGroup': (id) => ['ec2', true, `security-group/${id}`],
  'AWS::EC2::VPC': (id) => ['ec2', true, `vpc/${id}`],
  'AWS::EC2::Subnet': (id) => ['ec2', true, `subnet/${id}`],
  'AWS::EC2::NetworkInterface': (id) => ['ec2', true, `network-interface/${id}`],
  'AWS::EC2::InternetGateway': (id) => ['ec2', true, `internet-gateway/${id}`],
  'AWS::EC2::NatGateway': (id) => ['ec2', true, `natgateway/${id}`],
  'AWS::EC2::RouteTable': (id) => ['ec2', true, `route-table/${id}`],
  'AWS::EC2::NetworkAcl': (id) => ['ec2', true, `network-acl/${id}`],
  'AWS::S3::Bucket': (id) => ['s3', false, id],
  // Config's id for an RDS instance is its DbiResourceId (db-…); the ARN uses the identifier.
  'AWS::RDS::DBInstance': (_id, name) => ['rds', true, `db:${name}`],
  'AWS::Lambda::Function': (_id, name) => ['lambda', true, `function:${name}`],
  'AWS::ECR::Repository': (_id, name) => ['ecr', true, `repository/${name}`],
  'AWS::DynamoDB::Table': (_id, name) => ['dynamodb', true, `table/${name}`],
  'AWS::SQS::Queue': (_id, name) => ['sqs', true, name],
  'AWS::KMS::Key': (id) => ['kms', true, `key/${id}`],
  // arn:aws:elasticfilesystem:REGION:ACCOUNT:file-system/fs-… (Config's id is the fs- id).
  'AWS::EFS::FileSystem': (id) => ['elasticfilesystem', true, `file-system/${id}`],
  'AWS::EFS::AccessPoint': (id) => ['elasticfilesystem', true, `access-point/${id}`],
  // arn:aws:logs:REGION:ACCOUNT:log-group:NAME, the form the Tagging API lists (no ":*").
  'AWS::Logs::LogGroup': (_id, name) => ['logs', true, `log-group:${name}`],
};

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * One spelling per resource, so ARNs from Config and from the Tagging API join: a log group's ARN
 * with the `:*` suffix DescribeLogGroups (and Config's configuration item) carry becomes the form
 * the Tagging API lists and takes. Every other ARN is returned as it is.
 */
export function canonicalArn(arn: string): string {
  const parsed = parseArn(arn);
  if (parsed?.service === 'logs' && parsed.resource.startsWith('log-group:') && arn.endsWith(':*'))
    return arn.slice(0, -2);
  return arn;
}

/**
 * The ARN of a resource AWS Config discovered, or undefined when it cannot be built from the id
 * and name alone (a type not in the builder table). Several types (SNS topics,
 * ELBv2 load balancers) already use their ARN as the id; the others follow the documented ARN
 * formats (EFS file-system/ID, log-group:NAME, ...). Account and region are the discovering
 * account's and region's; S3 ARNs carry neither.
 */
export function arnOfDiscovered(
  type: string,
  id: string,
  name: string | undefined,
  region: string,
  accountId: string,
): string | undefined {
  if (id.startsWith('arn:')) return canonicalArn(id);
  const build = Object.hasOwn(BUILDERS, type) ? BUILDERS[type] : undefined;
  if (!build) return undefined;
  const [service, regional, resource] = build(id, name ?? id);
  const account = service === 's3' ? '' : accountId;
  return `arn:${partitionOf(region)}:${service}:${regional ? region : ''}:${account}:${resource}`;
}

/** An ECR repository's ARN (arn, partition, "ecr", region, account, "repository/" + name), as ListTagsForResource takes it. */
export function ecrRepositoryArn(region: string, registryId: string, repository: string): string {
  return `arn:${partitionOf(region)}:ecr:${region}:${registryId}:repository/${repository}`;
}

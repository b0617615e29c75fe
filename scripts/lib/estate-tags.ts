/**
 * The tagging part of the demo estate: S3 buckets and DynamoDB tables, some tagged well, some
 * badly, some never tagged (only AWS Config's inventory finds those: moto's Config discovers S3
 * buckets). Shared by the demo and the tests.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';

export const DEMO_TAG_POLICY = `version: 1
tags:
  min-coverage: 90
  overwrite: true # the demo fixes wrong values too; the default is never to overwrite
  resource-types: [AWS::S3::Bucket, AWS::DynamoDB::Table]
  required:
    Environment: { allowed: [prod, staging, dev], default: dev }
    Owner: { pattern: '^[^@]+@example\\.com$', default: platform@example.com }
    DataClassification: { allowed: [public, internal, confidential, restricted], default: internal }
    Service: {}
  derive:
    - tag: Environment
      from: name
      pattern: '^(prod|staging|dev)-'
    - tag: Service
      from: name
      pattern: '^(?:prod|staging|dev)-([a-z0-9]+)'
  classification:
    key: DataClassification
    levels:
      restricted: { image: { fail-on: [CRITICAL, HIGH, MEDIUM] } }
  groups:
    - by: Environment
    - by: DataClassification
`;

interface SeedResource {
  name: string;
  tags?: Record<string, string>;
}

export const DEMO_BUCKETS: SeedResource[] = [
  {
    name: 'prod-web-assets',
    tags: {
      Environment: 'prod',
      Owner: 'web@example.com',
      DataClassification: 'public',
      Service: 'web',
    },
  },
  { name: 'prod-orders-exports', tags: { Environment: 'production', Owner: 'orders-team' } },
  { name: 'dev-web-scratch' },
  { name: 'staging-search-index' },
];

/** Tables carry at least one tag: moto's Config does not discover DynamoDB, the Tagging API does. */
export const DEMO_TABLES: SeedResource[] = [
  { name: 'prod-orders', tags: { Environment: 'prod', Service: 'orders' } },
  { name: 'dev-sessions', tags: { Owner: 'sessions@example.com' } },
];

/** S3 bucket names are global to the account: the region suffix keeps each region's estate apart. */
export function bucketName(name: string, region: string): string {
  return `${name}-${region}`;
}

/** Creates the buckets and tables in moto (once per region). */
export async function seedTaggingEstate(
  endpoint: string,
  region: string,
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
): Promise<void> {
  const common = { region, endpoint, maxAttempts: 1, ...(credentials && { credentials }) };
  const s3 = new S3Client({ ...common, forcePathStyle: true });
  const dynamodb = new DynamoDBClient(common);
  try {
    for (const bucket of DEMO_BUCKETS) {
      await s3.send(
        new CreateBucketCommand({
          Bucket: bucketName(bucket.name, region),
          ...(region !== 'us-east-1' && {
            CreateBucketConfiguration: { LocationConstraint: region as never },
          }),
        }),
      );
      if (bucket.tags) {
        await s3.send(
          new PutBucketTaggingCommand({
            Bucket: bucketName(bucket.name, region),
            Tagging: {
              TagSet: Object.entries(bucket.tags).map(([Key, Value]) => ({ Key, Value })),
            },
          }),
        );
      }
    }
    for (const table of DEMO_TABLES) {
      await dynamodb.send(
        new CreateTableCommand({
          TableName: table.name,
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
          ...(table.tags && {
            Tags: Object.entries(table.tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        }),
      );
    }
  } finally {
    s3.destroy();
    dynamodb.destroy();
  }
}

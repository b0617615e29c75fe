import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigServiceClient,
  ListDiscoveredResourcesCommand,
} from '@aws-sdk/client-config-service';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
} from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ResourceGroupsClient } from '@aws-sdk/client-resource-groups';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { systemClock } from '../../actions/src/core/clock';
import { createHandler, type LogEntry } from '../../actions/src/lambda/auto-tag/handler';
import { tagsCommand, type TagClients } from '../../actions/src/tag-policy/run';
import { FIXTURE_ACCOUNT, fixture } from '../fixtures/cloudtrail';
import { motoEndpoint } from '../fixtures/moto-estate';

// Issue 8, kind 4: "never overwrite" must hold when the Tagging API answers GetResources with
// HTTP 200 and an empty body. Everything here is moto, except that a local proxy in front of it
// answers GetResources so (moto always answers well), and, for `tags apply`, AWS Config's listing
// (moto's Config does not discover DynamoDB tables; real Config does). TagResources goes through
// the proxy to moto, which really tags DynamoDB tables, so an overwrite would show in moto.
const REGION = 'sa-east-1';
const MOTO_ACCOUNT = '123456789012';
const GET_RESOURCES = 'ResourceGroupsTaggingAPI_20170126.GetResources';

const POLICY = `version: 1
tags:
  overwrite: false
  resource-types: [AWS::DynamoDB::Table]
  required:
    Environment: { allowed: [prod, staging, dev], default: dev }
`;

let proxy: Server;
let proxyEndpoint: string;
/** The X-Amz-Target of every call the proxy saw, in order. */
let targets: string[] = [];

function body(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      resolve(Buffer.concat(parts));
    });
    request.on('error', reject);
  });
}

beforeAll(async () => {
  proxy = createServer((request, response) => {
    void (async () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      targets.push(target);
      const payload = await body(request);
      if (target === GET_RESOURCES) {
        // What an overloaded front end or a broken emulator can answer: 200, no body at all.
        response.writeHead(200, {
          'content-type': 'application/x-amz-json-1.1',
          'content-length': '0',
        });
        response.end();
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(request.headers)
          .filter(([name]) => !['host', 'connection', 'content-length'].includes(name))
          .map(([name, value]) => [name, String(value)]),
      );
      const forwarded = await fetch(`${motoEndpoint()}${request.url ?? '/'}`, {
        method: request.method ?? 'POST',
        headers,
        ...(payload.length > 0 && { body: new Uint8Array(payload) }),
      });
      const answer = Buffer.from(await forwarded.arrayBuffer());
      response.writeHead(forwarded.status, {
        'content-type': forwarded.headers.get('content-type') ?? 'application/x-amz-json-1.1',
        'content-length': String(answer.length),
      });
      response.end(answer);
    })();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyEndpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) =>
    proxy.close(() => {
      resolve();
    }),
  );
});

beforeEach(() => {
  targets = [];
});

const moto = { region: REGION, endpoint: '', maxAttempts: 1 };
const dynamodb = (): DynamoDBClient => new DynamoDBClient({ ...moto, endpoint: motoEndpoint() });

async function createTable(name: string, tags: Record<string, string>): Promise<string> {
  const answer = await dynamodb().send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  const arn = answer.TableDescription?.TableArn;
  if (!arn) throw new Error('moto returned no table ARN');
  return arn;
}

/** The table's tags in moto now, read with DynamoDB's own call. */
async function tableTags(arn: string): Promise<Record<string, string>> {
  const answer = await dynamodb().send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
  return Object.fromEntries((answer.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}

describe('never overwrite, when GetResources answers 200 with an empty body', () => {
  it('tags apply --execute with overwrite: false writes nothing and exits 2; Environment=prod stays', async () => {
    const arn = await createTable('ledger-prod', { Environment: 'prod' });
    const withMoto = { ...moto, endpoint: motoEndpoint() };
    const config = new ConfigServiceClient(withMoto);
    // Real AWS Config lists the table (moto's Config does not discover DynamoDB).
    mockClient(config)
      .on(ListDiscoveredResourcesCommand)
      .resolves({
        resourceIdentifiers: [
          {
            resourceType: 'AWS::DynamoDB::Table',
            resourceId: 'ledger-prod',
            resourceName: 'ledger-prod',
          },
        ],
      });
    const clients = (): TagClients => ({
      config,
      tagging: new ResourceGroupsTaggingAPIClient({ ...moto, endpoint: proxyEndpoint }),
      ec2: () => Promise.resolve(new EC2Client(withMoto)),
      s3: () => Promise.resolve(new S3Client({ ...withMoto, forcePathStyle: true })),
      ssm: () => Promise.resolve(new SSMClient(withMoto)),
      groups: () => Promise.resolve(new ResourceGroupsClient(withMoto)),
      sts: new STSClient(withMoto),
    });
    const policy = join(mkdtempSync(join(tmpdir(), 'ag-never-overwrite-')), 'assetguard.yml');
    writeFileSync(policy, POLICY);

    const run = await tagsCommand(
      {
        command: 'apply',
        policy,
        execute: true,
        outputDir: mkdtempSync(join(tmpdir(), 'ag-never-overwrite-out-')),
        region: REGION,
      },
      { clock: systemClock, log: () => undefined, clients },
    );

    expect(await tableTags(arn)).toEqual({ Environment: 'prod' });
    expect(targets).not.toContain('ResourceGroupsTaggingAPI_20170126.TagResources');
    expect(run.outcome.exitCode).toBe(2);
    expect(run.verdict.error).toMatch(
      /tag:GetResources answered page 1 without its list of items \(an empty or malformed body\)/,
    );
  });

  it('the auto-tag Lambda writes nothing to a new table it cannot read, and reports it; Environment=prod stays', async () => {
    const arn = await createTable('ledger-lambda', { Environment: 'prod' });
    const parameterName = '/assetguard/never-overwrite-test/tag-policy';
    const withMoto = { ...moto, endpoint: motoEndpoint() };
    await new SSMClient(withMoto).send(
      new PutParameterCommand({
        Name: parameterName,
        Type: 'String',
        Value: POLICY,
        Overwrite: true,
      }),
    );
    const logs: LogEntry[] = [];
    const handler = createHandler({
      ssm: new SSMClient(withMoto),
      tagging: new ResourceGroupsTaggingAPIClient({ ...moto, endpoint: proxyEndpoint }),
      ec2: () => Promise.resolve(new EC2Client(withMoto)),
      s3: new S3Client({ ...withMoto, forcePathStyle: true }),
      parameterName,
      now: () => new Date('2026-03-02T09:30:00Z'),
      log: (entry) => logs.push(entry),
    });
    const event = fixture('CreateTable', {
      'payments-ledger': 'ledger-lambda',
      [FIXTURE_ACCOUNT]: MOTO_ACCOUNT,
      'ap-northeast-2': REGION,
    });

    const summary = await handler(event);

    expect(await tableTags(arn)).toEqual({ Environment: 'prod' });
    expect(targets).toEqual([GET_RESOURCES]);
    expect(summary.tagged).toEqual([]);
    expect(summary.failed).toEqual([
      {
        arn,
        type: 'AWS::DynamoDB::Table',
        reason:
          'tag:GetResources answered without ResourceTagMappingList (an empty or malformed body); the tags are unknown, not empty',
      },
    ]);
  });
});

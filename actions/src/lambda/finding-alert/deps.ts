import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createClient } from '../../core/aws';
import { postSlack } from '../../sinks/slack';
import { configFrom, jsonLog, type FindingAlertDeps } from './handler';

/**
 * Real clients in the Lambda's own region (Lambda sets AWS_REGION) and the settings from its
 * environment (`configFrom`).
 * @throws ConfigurationError naming the environment variable that is missing or wrong.
 */
export function defaultDeps(env: NodeJS.ProcessEnv = process.env): FindingAlertDeps {
  return {
    ...configFrom(env),
    ssm: createClient(SSMClient),
    dynamodb: createClient(DynamoDBClient),
    sns: createClient(SNSClient),
    tagging: createClient(ResourceGroupsTaggingAPIClient),
    postSlack,
    now: () => new Date(),
    log: jsonLog,
  };
}

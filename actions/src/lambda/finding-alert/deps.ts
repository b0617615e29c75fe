import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { createClient, lazyClient } from '../../core/aws';
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
    // Loaded on first use (lambda/destinations, lambda/policy-cache): SSM only with a policy or
    // Slack parameter, SNS once an alert is claimed; neither before the first request.
    ssm: lazyClient(async () => {
      const { SSMClient } = await import('@aws-sdk/client-ssm');
      return SSMClient;
    }),
    dynamodb: createClient(DynamoDBClient),
    sns: lazyClient(async () => {
      const { SNSClient } = await import('@aws-sdk/client-sns');
      return SNSClient;
    }),
    tagging: createClient(ResourceGroupsTaggingAPIClient),
    postSlack,
    now: () => new Date(),
    log: jsonLog,
  };
}

import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createClient, resolveRegion } from '../../core/aws';
import { systemClock } from '../../core/clock';
import { postSlack } from '../../sinks/slack';
import { configFrom } from './config';
import { jsonLog, type FixerDeps } from './handler';

/**
 * Real clients in the Lambda's own region (Lambda sets AWS_REGION; IAM is global, its client
 * reaches the partition's endpoint from there) and the settings from its environment
 * (`configFrom`).
 * @throws ConfigurationError naming the environment variable that is missing or wrong.
 */
export function defaultDeps(env: NodeJS.ProcessEnv = process.env): FixerDeps {
  return {
    ...configFrom(env),
    ec2: createClient(EC2Client),
    iam: createClient(IAMClient),
    sns: createClient(SNSClient),
    ssm: createClient(SSMClient),
    postSlack,
    region: resolveRegion(undefined, env),
    sleep: (ms) => systemClock.sleep(ms),
    log: jsonLog,
  };
}

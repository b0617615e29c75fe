import { EC2Client } from '@aws-sdk/client-ec2';
import { createClient, lazyClient, resolveRegion } from '../../core/aws';
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
    iam: lazyClient(async () => {
      const { IAMClient } = await import('@aws-sdk/client-iam');
      return IAMClient;
    }),
    // Loaded on the first report (lambda/destinations), after the instance is described.
    sns: lazyClient(async () => {
      const { SNSClient } = await import('@aws-sdk/client-sns');
      return SNSClient;
    }),
    ssm: lazyClient(async () => {
      const { SSMClient } = await import('@aws-sdk/client-ssm');
      return SSMClient;
    }),
    postSlack,
    region: resolveRegion(undefined, env),
    sleep: (ms) => systemClock.sleep(ms),
    log: jsonLog,
  };
}

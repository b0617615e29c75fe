/**
 * Where the Lambdas that tell a person something send it: finding-alert its alerts,
 * ssm-role-fixer its reports. The destinations are an SNS topic, a Slack incoming webhook, or
 * both, set by the same environment variables in both Lambdas, so one deployment's topic and
 * webhook serve both. The webhook URL is a credential: it comes from an SSM SecureString
 * (preferred) or, for development, the environment, and is never logged nor put in a message.
 *
 * Each Lambda keeps its own words (message.ts) and its own way of going through the destinations
 * (finding-alert claims each one in DynamoDB first; ssm-role-fixer needs one to succeed).
 */
import type { MessageAttributeValue, SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { LazyClient } from '../core/aws';
import { ConfigurationError, awsFailure } from '../core/errors';
import { safeUrl } from '../core/escape';
import type { SlackMessage } from '../sinks/slack';
import { setting } from './environment';

/** SNS topic ARN the alerts and reports are published to. */
export const TOPIC_ENV = 'ASSETGUARD_ALERT_TOPIC_ARN';
/** SSM SecureString parameter holding the Slack incoming-webhook URL (preferred). */
export const SLACK_PARAMETER_ENV = 'ASSETGUARD_SLACK_WEBHOOK_PARAMETER';
/** The Slack incoming-webhook URL itself (for development; prefer the SecureString). */
export const SLACK_URL_ENV = 'ASSETGUARD_SLACK_WEBHOOK_URL';

/** An SNS topic ARN: `arn:<partition>:sns:<region>:<12-digit account>:<name>`. */
const TOPIC_ARN = /^arn:[^:]+:sns:[^:]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** A destination, as logs and summaries name it. */
export type SinkName = 'slack' | 'sns';

/** Where the Slack webhook URL comes from. */
export type SlackWebhookSource = { parameterName: string } | { url: string };

/** The destinations set; `destinationsFrom` returns at least one. */
export interface Destinations {
  /** SNS topic; undefined: nothing goes to SNS. */
  topicArn?: string;
  /** Slack webhook; undefined: nothing goes to Slack. */
  slack?: SlackWebhookSource;
}

/** sinks/slack `postSlack`, or a stand-in with its signature. */
export type PostSlack = (webhookUrl: string, message: SlackMessage) => Promise<void>;

/**
 * What sending needs besides the settings. The clients are built on first use (core/aws
 * `LazyClient`): each package is a chunk file of the bundle, loaded by the first send to its
 * destination rather than at every cold start, before the Lambda's first request.
 */
export interface DestinationClients {
  /** Reads the webhook URL's SecureString. */
  ssm: LazyClient<SSMClient>;
  sns: LazyClient<SNSClient>;
  postSlack: PostSlack;
}

/**
 * The destinations from the Lambda's environment: ASSETGUARD_ALERT_TOPIC_ARN (an SNS topic
 * ARN) and/or one of ASSETGUARD_SLACK_WEBHOOK_PARAMETER (an SSM parameter name, preferred) and
 * ASSETGUARD_SLACK_WEBHOOK_URL (an http(s) URL). Pure.
 * @param none how the Lambda's error says that none is set: `no <what> destination: set <the
 *   three variables>`, then `, <why>` when given.
 * @throws ConfigurationError naming the variable: a topic that is not an SNS topic ARN, both
 *   Slack variables, a URL that is not http(s), or no destination at all.
 */
export function destinationsFrom(
  env: NodeJS.ProcessEnv,
  none: { what: string; why?: string },
): Destinations {
  const topicArn = setting(env, TOPIC_ENV);
  if (topicArn !== undefined && !TOPIC_ARN.test(topicArn)) {
    throw new ConfigurationError(`${TOPIC_ENV} is not an SNS topic ARN: "${topicArn}"`);
  }
  const parameterName = setting(env, SLACK_PARAMETER_ENV);
  const url = setting(env, SLACK_URL_ENV);
  if (parameterName !== undefined && url !== undefined) {
    throw new ConfigurationError(
      `set only one of ${SLACK_PARAMETER_ENV} (preferred: an SSM SecureString) and ${SLACK_URL_ENV}`,
    );
  }
  if (url !== undefined && safeUrl(url) === undefined) {
    throw new ConfigurationError(`${SLACK_URL_ENV} is not an http(s) URL`);
  }
  if (topicArn === undefined && parameterName === undefined && url === undefined) {
    throw new ConfigurationError(
      `no ${none.what} destination: set ${TOPIC_ENV}, ${SLACK_PARAMETER_ENV} or ${SLACK_URL_ENV}` +
        (none.why !== undefined ? `, ${none.why}` : ''),
    );
  }
  return {
    ...(topicArn !== undefined && { topicArn }),
    ...(parameterName !== undefined && { slack: { parameterName } }),
    ...(url !== undefined && { slack: { url } }),
  };
}

/**
 * The Slack webhook URL: from the SSM SecureString (GetParameter with decryption, which needs
 * KMS Decrypt on a customer managed key), or as configured.
 * @throws AwsError naming the SSM permission (and the KMS one); ConfigurationError when the value
 *   is not an http(s) URL (the value itself is never in a message: it is a secret).
 */
export async function readSlackWebhook(
  ssm: LazyClient<SSMClient>,
  source: SlackWebhookSource,
): Promise<string> {
  if ('url' in source) return source.url;
  const name = source.parameterName;
  let value: string | undefined;
  const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
  const client = await ssm();
  try {
    const answer = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    value = answer.Parameter?.Value;
  } catch (error) {
    throw awsFailure(
      `read the Slack webhook URL from SSM parameter ${name}`,
      `ssm:GetParameter on parameter ${name} (and kms:Decrypt on its key)`,
      error,
    );
  }
  const url = safeUrl(value);
  if (url === undefined) {
    throw new ConfigurationError(
      `the SSM parameter ${name} (${SLACK_PARAMETER_ENV}) does not hold an http(s) Slack webhook URL`,
    );
  }
  return url;
}

/** An SNS notification: its Subject, plain-text body, and String attributes to filter on. */
export interface SnsNotification {
  subject: string;
  body: string;
  /** Message attributes (all of DataType String), e.g. `{ severity: 'HIGH' }`. */
  attributes: Record<string, string>;
}

/** How one Lambda words a piece of content `T` for each destination. */
export interface DestinationWords<T> {
  slack: (content: T) => SlackMessage;
  sns: (content: T) => SnsNotification;
  /** What is published, for the error when SNS refuses it: `the alert of <finding id>`. */
  described: (content: T) => string;
}

/** Sends one piece of content to one destination; rejects with the reason it could not. */
export interface Sender<T> {
  name: SinkName;
  send: (content: T) => Promise<void>;
}

/**
 * One sender per destination set, Slack before SNS. The Slack webhook URL is read when first
 * needed and kept for the container's life (the handler's); a failed read is not kept, so the
 * next send asks again.
 * @returns senders whose `send` rejects with readSlackWebhook's errors or sinks/slack's, and for
 *   SNS with an AwsError naming the topic and the SNS permission.
 */
export function destinationSenders<T>(
  deps: Destinations & DestinationClients,
  words: DestinationWords<T>,
): Sender<T>[] {
  const senders: Sender<T>[] = [];
  const slack = deps.slack;
  if (slack !== undefined) {
    let webhook: Promise<string> | undefined;
    const slackWebhook = (): Promise<string> => {
      webhook ??= readSlackWebhook(deps.ssm, slack).catch((error: unknown) => {
        webhook = undefined;
        throw error;
      });
      return webhook;
    };
    senders.push({
      name: 'slack',
      send: async (content) => {
        const url = await slackWebhook();
        await deps.postSlack(url, words.slack(content));
      },
    });
  }
  const topicArn = deps.topicArn;
  if (topicArn !== undefined) {
    senders.push({
      name: 'sns',
      send: async (content) => {
        const { subject, body, attributes } = words.sns(content);
        const messageAttributes: Record<string, MessageAttributeValue> = {};
        for (const [name, value] of Object.entries(attributes)) {
          messageAttributes[name] = { DataType: 'String', StringValue: value };
        }
        const { PublishCommand } = await import('@aws-sdk/client-sns');
        const sns = await deps.sns();
        try {
          await sns.send(
            new PublishCommand({
              TopicArn: topicArn,
              Subject: subject,
              Message: body,
              MessageAttributes: messageAttributes,
            }),
          );
        } catch (error) {
          throw awsFailure(
            `publish ${words.described(content)} to SNS topic ${topicArn}`,
            `sns:Publish on topic ${topicArn}`,
            error,
          );
        }
      },
    });
  }
  return senders;
}

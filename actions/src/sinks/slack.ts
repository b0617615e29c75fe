/**
 * Slack through an incoming webhook (`https://hooks.slack.com/services/…`). The webhook URL is a
 * credential: whoever holds it can post to the channel. It is never logged, never put in an error
 * message and never kept in the state or the reports.
 */
import {
  IncomingWebhook,
  IncomingWebhookHTTPError,
  IncomingWebhookRequestError,
  type IncomingWebhookSendArguments,
} from '@slack/webhook';
import { AssetguardError, ConfigurationError } from '../core/errors';
import { clip, logLine } from '../core/escape';

/** A Block Kit message: `text` is the notification (and fallback) text, `blocks` what is shown. */
export interface SlackMessage {
  text: string;
  blocks: NonNullable<IncomingWebhookSendArguments['blocks']>;
}

/** A Slack post failed after its retries: the status and Slack's reason, never the URL. */
export class SlackError extends AssetguardError {
  readonly kind = 'undecided';
}

/** How long one POST may take before it is abandoned, in milliseconds. */
export const SLACK_TIMEOUT_MS = 10_000;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The webhook URL, parsed: https, or http to a loopback host only (a local test sink); anything
 * else could send the channel's credential in clear text or to a file.
 * @throws ConfigurationError naming the input, never showing the URL (it is a secret).
 */
export function parseSlackWebhookUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new ConfigurationError(
      'slack-webhook-url: not a URL (the value is secret and not shown)',
    );
  }
  const loopbackHttp = parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname);
  if (parsed.protocol !== 'https:' && !loopbackHttp) {
    throw new ConfigurationError(
      `slack-webhook-url: must be an https URL (${parsed.protocol} given; http is accepted only for 127.0.0.1); the value is secret and not shown`,
    );
  }
  return parsed;
}

/**
 * Posts one Block Kit message to a Slack incoming webhook (@slack/webhook `IncomingWebhook`,
 * which POSTs JSON with fetch and never follows a redirect). Each attempt is abandoned after
 * `timeoutMs`; a 5xx answer or a network failure is retried `retries` times (a 4xx, including
 * Slack's 429 and its `invalid_blocks`/`no_service` answers, is not: repeating cannot help).
 * @throws ConfigurationError for a URL that is not https; SlackError naming the HTTP status and
 *   Slack's reason (its answer body, one line, clipped), never the URL.
 */
export async function postSlack(
  webhookUrl: string,
  message: SlackMessage,
  options: { timeoutMs?: number; retries?: number } = {},
): Promise<void> {
  const url = parseSlackWebhookUrl(webhookUrl);
  const webhook = new IncomingWebhook(url.href, {
    timeout: options.timeoutMs ?? SLACK_TIMEOUT_MS,
    retryConfig: { retries: options.retries ?? 2, factor: 2, minTimeout: 500, maxTimeout: 2_000 },
  });
  try {
    await webhook.send({ text: message.text, blocks: message.blocks });
  } catch (error) {
    throw new SlackError(`Slack: could not post to the incoming webhook: ${reasonOf(error, url)}`);
  }
}

/** Why a post failed, in one line, with the URL (and its secret path) scrubbed out. */
function reasonOf(error: unknown, url: URL): string {
  let reason: string;
  if (error instanceof IncomingWebhookHTTPError) {
    const body = clip(error.body.trim(), 200);
    reason = `HTTP ${error.statusCode}${body ? ` (${body})` : ''}`;
    if (error.statusCode === 404 || error.statusCode === 403 || error.statusCode === 410) {
      reason += ' — the webhook was revoked or its channel removed: create a new one';
    }
  } else if (error instanceof IncomingWebhookRequestError) {
    const original = error.original;
    const cause = (original as { cause?: { code?: unknown } }).cause;
    const timedOut = /TimeoutError|AbortError|aborted due to timeout/.test(
      `${original.name} ${original.message}`,
    );
    reason = timedOut
      ? 'no answer in time'
      : `no answer (${typeof cause?.code === 'string' ? cause.code : original.message})`;
  } else {
    reason = error instanceof Error ? error.message : String(error);
  }
  // Whatever a library puts in a message, the webhook's secret path never leaves here.
  const secrets = [url.href, url.pathname, url.search].filter((part) => part.length > 1);
  for (const secret of secrets) reason = reason.split(secret).join('…');
  return logLine(reason);
}

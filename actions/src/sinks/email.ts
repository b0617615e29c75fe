/**
 * Email through SMTP or Amazon SES v2, with nodemailer composing the MIME message (HTML and text
 * parts, attachments). An SMTP URL holds a password: it is never logged nor put in an error.
 */
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { AssetguardError, ConfigurationError, awsFailure, errorMessage } from '../core/errors';
import { logLine } from '../core/escape';

/**
 * Where mail goes: an SMTP server (`smtp://user:password@host:587`, upgraded with STARTTLS, or
 * `smtps://…:465`, TLS from the start), or SES v2 through a client from the factory.
 */
export type EmailTransport = { kind: 'smtp'; url: string } | { kind: 'ses'; client: SESv2Client };

/** One message: `html` and `text` are the two alternative bodies. */
export interface EmailMessage {
  from: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
  attachments: { filename: string; content: string | Buffer; contentType?: string }[];
}

/** What the server said: its message id, and who it accepted. */
export interface SentEmail {
  messageId: string;
  accepted: string[];
}

/** An SMTP delivery failed: the server's reason, never the URL or its password. */
export class EmailError extends AssetguardError {
  readonly kind = 'undecided';
}

/** Milliseconds: opening the connection, the server's greeting, and any silence after. */
export const SMTP_TIMEOUTS = {
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 30_000,
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Checks an SMTP URL: smtp:// or smtps://, with a host. A plain smtp:// connection must upgrade
 * with STARTTLS (nodemailer `requireTLS`) unless the host is loopback (a local relay or test
 * sink), so a password is never sent in clear text.
 * @throws ConfigurationError naming the input, never showing the URL (it holds a password).
 */
export function parseSmtpUrl(url: string): { url: URL; requireTLS: boolean } {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new ConfigurationError('smtp-url: not a URL (the value is secret and not shown)');
  }
  if ((parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') || parsed.hostname === '') {
    throw new ConfigurationError(
      `smtp-url: must be smtp://user:password@host:port or smtps://… (${parsed.protocol} given; the value is secret and not shown)`,
    );
  }
  return {
    url: parsed,
    requireTLS: parsed.protocol === 'smtp:' && !LOOPBACK.has(parsed.hostname),
  };
}

/**
 * Sends one message. SMTP: nodemailer's SMTP transport on the URL, with SMTP_TIMEOUTS and
 * STARTTLS required off loopback. SES: nodemailer's SES transport, which composes the raw MIME
 * message and sends it with SES v2 `SendEmail` (`Content.Raw`; the sender must be a verified
 * identity, and out of the sandbox for unverified recipients).
 * @throws ConfigurationError for a bad SMTP URL; EmailError with the server's reason (password
 *   and URL scrubbed); AwsError naming `ses:SendEmail` for SES failures.
 */
export async function sendEmail(
  message: EmailMessage,
  transport: EmailTransport,
): Promise<SentEmail> {
  if (message.to.length === 0) throw new ConfigurationError('email: a message without recipients');
  const mail = {
    from: message.from,
    to: message.to,
    subject: message.subject,
    html: message.html,
    text: message.text,
    attachments: message.attachments.map((attachment) => ({ ...attachment })),
  };
  // Loaded here, by a run that sends mail: in the bundles, a chunk file not parsed at start.
  const { default: nodemailer } = await import('nodemailer');
  if (transport.kind === 'ses') {
    const { SendEmailCommand } = await import('@aws-sdk/client-sesv2');
    const mailer = nodemailer.createTransport({
      SES: { sesClient: transport.client, SendEmailCommand },
    });
    try {
      const info = await mailer.sendMail(mail);
      return { messageId: info.messageId, accepted: message.to };
    } catch (error) {
      throw awsFailure(
        `send the report email to ${message.to.join(', ')} with SES SendEmail`,
        'ses:SendEmail',
        error,
      );
    }
  }
  const { url, requireTLS } = parseSmtpUrl(transport.url);
  const mailer = nodemailer.createTransport({ url: url.href, requireTLS, ...SMTP_TIMEOUTS });
  try {
    const info = await mailer.sendMail(mail);
    const accepted = (info.accepted as (string | { address: string })[]).map((entry) =>
      typeof entry === 'string' ? entry : entry.address,
    );
    return { messageId: info.messageId, accepted };
  } catch (error) {
    throw new EmailError(
      `email: could not send to ${message.to.join(', ')} through ${url.protocol}//${url.host}: ${scrub(errorMessage(error), url)}`,
    );
  } finally {
    mailer.close();
  }
}

/** The message with the URL and its password removed, in one line. */
function scrub(text: string, url: URL): string {
  const secrets = [url.href, url.password, decodeURIComponent(url.password)]
    .filter((part) => part.length > 0)
    .sort((a, b) => b.length - a.length);
  let clean = text;
  for (const secret of secrets) clean = clean.split(secret).join('***');
  return logLine(clean);
}

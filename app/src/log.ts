/**
 * Structured JSON logs on stdout, one object per line (CloudWatch Logs through the awslogs
 * driver). Untrusted text only ever appears inside JSON string values, so no line can start
 * with `::` or break in two.
 */
import pino from 'pino';

export type Logger = pino.Logger;

/**
 * A logger at `level` (pino's names) writing to `destination` (stdout when omitted). Levels are
 * written as words and times as ISO 8601, which CloudWatch Logs Insights reads as they are.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'assetguard-portal' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

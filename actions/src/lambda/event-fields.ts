/**
 * Strict readers of an EventBridge event's fields, shared by the Lambdas' event parsers: a value
 * that is not what AWS documents is an error naming the field (`detail.findings[0].Id is
 * missing`), never a guess. Each parser passes the error it throws, so that its messages say
 * whose event it was and its callers can tell that error apart. And the one log line of an event
 * a parser refused. Pure: no I/O.
 */
import type { LogEntry } from './policy-cache';

/** A JSON object as an event carries it. */
export type Json = Record<string, unknown>;

/** The parser's error for a field and what is wrong with it (`is missing`, `is empty`). */
export type MalformedField = (field: string, problem: string) => Error;

export interface FieldReaders {
  /**
   * The value as an object.
   * @throws the parser's error: `is missing` (undefined), `is not an object` (null, a list, a
   *   scalar).
   */
  object: (value: unknown, field: string) => Json;
  /**
   * The value as a string with more than white space in it, as sent (not trimmed).
   * @throws the parser's error: `is missing` (undefined), `is not a string`, `is empty` (blank).
   */
  text: (value: unknown, field: string) => string;
}

/** The readers, throwing `malformed(field, problem)` for a field that is not as documented. */
export function fieldReaders(malformed: MalformedField): FieldReaders {
  return {
    object: (value, field) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw malformed(field, value === undefined ? 'is missing' : 'is not an object');
      }
      return value as Json;
    },
    text: (value, field) => {
      if (typeof value !== 'string') {
        throw malformed(field, value === undefined ? 'is missing' : 'is not a string');
      }
      if (value.trim() === '') throw malformed(field, 'is empty');
      return value;
    },
  };
}

/**
 * The log line of an event its parser refused, the same in every Lambda so that one Logs
 * Insights query finds them all: `{"level":"error","msg":"malformed event","field":…,"error":…,
 * "eventId":…}` (`eventId`: the event's `id` as sent, if any).
 */
export function malformedEventLog(
  error: { field: string; message: string },
  eventId: unknown,
): LogEntry {
  return {
    level: 'error',
    msg: 'malformed event',
    field: error.field,
    error: error.message,
    eventId,
  };
}

/**
 * Plain text for SNS notifications, as their email subscribers read them: the finding-alert and
 * ssm-role-fixer messages put every AWS-given value through these. Pure: no I/O.
 */
import { clip } from '../core/escape';

/** SNS Publish: a Subject is ASCII, at most 100 characters, with no line breaks. */
export const MAX_SUBJECT = 100;

/** Line breaks as every medium reads them (as core/escape). */
const LINE_BREAKS = /\r\n|[\r\n\u0085\u2028\u2029]/g;
/** Other control characters, which an email client may act on. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f]/g;

/**
 * One line of plain text: line breaks become spaces, other control characters are dropped, and
 * the rest is cut to at most `max` characters (core/escape `clip`, ending in `…`).
 */
export function plainLine(value: string, max: number): string {
  return clip(value.replace(LINE_BREAKS, ' ').replace(CONTROLS, ''), max);
}

/**
 * An SNS Subject from any text: ASCII only (other characters become `?`, white space a space),
 * one line, spaces collapsed, at most MAX_SUBJECT characters (cut with `...`). SNS refuses an
 * empty Subject: `fallback` (ASCII, short) stands in when nothing is left.
 */
export function snsSubject(value: string, fallback: string): string {
  const ascii = Array.from(value)
    .map((char) => (/^[\x20-\x7e]$/.test(char) ? char : /\s/.test(char) ? ' ' : '?'))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  if (ascii === '') return fallback;
  return ascii.length <= MAX_SUBJECT ? ascii : `${ascii.slice(0, MAX_SUBJECT - 3)}...`;
}

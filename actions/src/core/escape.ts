/**
 * One escape per medium (STYLE.md #16). Every string that comes from AWS or from a user —
 * finding titles and ids, tag keys and values, rule names, resource ids, URLs, policy text — is
 * untrusted: it can hold newlines, `::` workflow commands, HTML, Markdown and spreadsheet
 * formulas. Renderers and loggers never concatenate it raw; they pass it through the function
 * for their medium here, at the edge where the medium is known.
 */
import { stringify } from 'csv-stringify/sync';

/** Line breaks as every medium reads them: CRLF, CR, LF, NEL, and the Unicode line/paragraph separators. */
const LINE_BREAKS = /\r\n|[\r\n\u0085\u2028\u2029]/g;
/** Other control characters (tabs kept): a terminal or the runner may act on them. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * Text for one log line: line breaks become `⏎`, other control characters are dropped, and a
 * line that would start with `::` (a GitHub workflow command such as `::error::`,
 * `::add-mask::` or `::stop-commands::`, which the runner acts on only at the start of a line)
 * is prefixed so it prints as text. Apply to the whole line, where it is written.
 */
export function logLine(text: string): string {
  const flat = text.replace(LINE_BREAKS, '⏎').replace(CONTROLS, '');
  return /^\s*::/.test(flat) ? `␠${flat}` : flat;
}

/** Characters Markdown (GitHub flavoured) or the HTML it allows could act on. */
const MARKDOWN_SPECIAL = /[\\`*_{}[\]()<>#+\-!|~&$]/g;

/**
 * Untrusted text inside Markdown prose or a table cell, shown as written: one line, every
 * character Markdown or inline HTML could act on backslash-escaped (so `<img onerror>` stays
 * text and `|` cannot end a cell), and `–` for an empty value.
 */
export function markdownText(text: string | number | undefined): string {
  if (text === undefined || text === '') return '–';
  return String(text)
    .replace(LINE_BREAKS, ' ')
    .replace(CONTROLS, '')
    .replace(MARKDOWN_SPECIAL, (char) => `\\${char}`);
}

/**
 * Untrusted text as Markdown inline code (ARNs, digests, tag sets): one line, inside a backtick
 * fence longer than any backtick run in the text, so nothing in it is interpreted. Pipes are
 * escaped too: GitHub splits table cells on `|` even inside code spans.
 */
export function markdownCode(text: string): string {
  const flat = text.replace(LINE_BREAKS, ' ').replace(CONTROLS, '').replace(/\|/g, '\\|');
  if (flat === '') return '–';
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * The URL when it is an absolute http(s) URL that parses, else undefined: `javascript:`,
 * `data:`, relative and malformed URLs never become links anywhere.
 */
export function safeUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const trimmed = url.trim();
  if (!/^https?:\/\//i.test(trimmed)) return undefined;
  try {
    const parsed = new URL(trimmed);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A Markdown link when `url` is a safe http(s) URL (see `safeUrl`), else the text alone. The
 * text is escaped; the destination is percent-encoded where Markdown would end it (`(`, `)`,
 * spaces, `<`, `>`).
 */
export function markdownLink(text: string, url: string | undefined): string {
  const href = safeUrl(url);
  const label = markdownText(text);
  if (href === undefined) return label;
  const destination = href.replace(
    /[()<> ]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `[${label}](${destination})`;
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Untrusted text in HTML element content or a quoted attribute value. */
export function htmlText(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char);
}

/**
 * CSV (RFC 4180, via csv-stringify) with every cell that a spreadsheet would run as a formula
 * (leading `=`, `+`, `-`, `@`, tab or carriage return) prefixed with `'`, so opening the file
 * never executes a tag value. Ends with a newline.
 */
export function csv(rows: readonly (readonly (string | number)[])[]): string {
  return stringify(
    rows.map((row) => [...row]),
    { escape_formulas: true },
  );
}

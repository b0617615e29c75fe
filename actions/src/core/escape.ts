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
/** The runner's older workflow command syntax, `##[command]data`, recognized anywhere in a line. */
const LEGACY_COMMAND = /##\[/g;

/**
 * Text for one log line: line breaks become `⏎`, other control characters are dropped, a line
 * that would start with `::` (a GitHub workflow command such as `::error::`, `::add-mask::` or
 * `::stop-commands::`, which the runner acts on at the start of a line, after whitespace) is
 * prefixed with `␠` so it prints as text, and every `##[` (the runner's older command syntax,
 * `##[error]…`, which it finds anywhere in a line) becomes `##␠[`. Apply to the whole line,
 * where it is written; applying it twice changes nothing more.
 */
export function logLine(text: string): string {
  const flat = text.replace(LINE_BREAKS, '⏎').replace(CONTROLS, '').replace(LEGACY_COMMAND, '##␠[');
  return /^\s*::/.test(flat) ? `␠${flat}` : flat;
}

/**
 * Untrusted text longer than this is cut (with `…`) before it goes into Markdown: a summary has
 * to stay well under GitHub's 1 MiB job summary limit whatever AWS sends, and the full value is
 * always in the JSON reports.
 */
export const MAX_MARKDOWN_TEXT = 1000;

/** `text` cut to `max` characters (code points), ending in `…` when it was cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const characters = Array.from(text);
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join('')}…`;
}

/**
 * Characters Markdown (GitHub flavoured) or the HTML it allows could act on anywhere in a line:
 * code, emphasis, links and images (`[`, `]`: with both escaped, `(`, `)` and `!` cannot form
 * one), HTML and autolinks (`<`, `>`), table cells (`|`), strikethrough, entities and math.
 */
const MARKDOWN_SPECIAL = /[\\`*_[\]<>|~&$]/g;
/**
 * What Markdown acts on only at the start of a line: headings, list items, setext underlines,
 * and (for the runner, not Markdown) a `::` workflow command.
 */
const LINE_START_SPECIAL = /^(\s*)([-+#=:])/;
/** An ordered list item: `1. ` or `1) ` at the start of a line. */
const ORDERED_LIST_START = /^(\s*\d{1,9})([.)])(?=\s|$)/;

/**
 * Untrusted text inside Markdown prose, a list item or a table cell, shown as written: one line;
 * every character Markdown or inline HTML could act on anywhere backslash-escaped (so
 * `<img onerror>` stays text, `[x](javascript:…)` is no link and `|` cannot end a cell); what
 * acts only at the start of a line (`#`, `-`, `+`, `=`, `1. `, and `:` so no line of it can
 * start a `::` workflow command) escaped there; cut at `maxLength` characters; `–` when empty.
 */
export function markdownText(
  text: string | number | undefined,
  maxLength: number = MAX_MARKDOWN_TEXT,
): string {
  if (text === undefined || text === '') return '–';
  return clip(String(text), maxLength)
    .replace(LINE_BREAKS, ' ')
    .replace(CONTROLS, '')
    .replace(MARKDOWN_SPECIAL, (char) => `\\${char}`)
    .replace(LINE_START_SPECIAL, '$1\\$2')
    .replace(ORDERED_LIST_START, '$1\\$2');
}

/**
 * Untrusted text as Markdown inline code (ARNs, digests, tag sets): one line, inside a backtick
 * fence longer than any backtick run in the text, so nothing in it is interpreted, cut at
 * `maxLength` characters. Pipes are escaped too: GitHub splits table cells on `|` even inside
 * code spans. Text holding `##[` (the runner's older command syntax, which nothing can escape
 * inside a code span) is given as escaped text (`markdownText`) instead.
 */
export function markdownCode(text: string, maxLength: number = MAX_MARKDOWN_TEXT): string {
  if (text.includes('##[')) return markdownText(text, maxLength);
  const flat = clip(text, maxLength)
    .replace(LINE_BREAKS, ' ')
    .replace(CONTROLS, '')
    .replace(/\|/g, '\\|');
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
 * text is escaped; after the host, the destination is percent-encoded where Markdown would end
 * it or a table cell (`(`, `)`, spaces, `<`, `>`, `|`, `\\`) and where it could spell the
 * runner's `##[` command syntax (`[`, `]`).
 */
export function markdownLink(text: string, url: string | undefined): string {
  const href = safeUrl(url);
  const label = markdownText(text);
  if (href === undefined) return label;
  // An http(s) href always has a path after its host; an IPv6 host keeps its brackets.
  const pathStart = href.indexOf('/', href.indexOf('//') + 2);
  const destination =
    href.slice(0, pathStart) +
    href
      .slice(pathStart)
      .replace(
        /[()<> [\]|\\]/g,
        (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
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
 * Control characters a CSV cell must not carry: NUL and the other C0 controls but tab, line feed
 * and carriage return (which RFC 4180 quoting keeps), and DEL. A NUL makes tools treat the whole
 * file as binary; host output and tag values can hold any of them.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CSV_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * CSV (RFC 4180, via csv-stringify) with every cell that a spreadsheet would run as a formula
 * (leading `=`, `+`, `-`, `@`, tab or carriage return) prefixed with `'`, so opening the file
 * never executes a tag value, and control characters replaced by U+FFFD, so the file stays text.
 * Ends with a newline.
 */
export function csv(rows: readonly (readonly (string | number)[])[]): string {
  return stringify(
    rows.map((row) =>
      row.map((cell) => (typeof cell === 'string' ? cell.replace(CSV_CONTROL, '\ufffd') : cell)),
    ),
    { escape_formulas: true },
  );
}

/** What Slack's mrkdwn reads as markup: `&`, `<`, `>` (entities, links, mentions) by entity. */
const SLACK_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
/**
 * Slack mrkdwn has no escape character for its formatting marks, so each becomes a look-alike
 * that Slack does not act on: bold `*`, italic `_`, strike `~`, code `` ` ``.
 */
const SLACK_FORMATTING: Record<string, string> = {
  '*': '∗', // U+2217 ASTERISK OPERATOR
  _: 'ˍ', // U+02CD MODIFIER LETTER LOW MACRON
  '~': '∼', // U+223C TILDE OPERATOR
  '`': 'ˋ', // U+02CB MODIFIER LETTER GRAVE ACCENT
};

/** Default cut for untrusted text in Slack: a section's text may hold at most 3,000 characters. */
export const MAX_SLACK_TEXT = 300;

/**
 * Untrusted text in a Slack mrkdwn (or plain_text) field, shown as written: one line (line
 * breaks become spaces, other control characters dropped); `&`, `<` and `>` as the entities
 * Slack requires, so `<!channel>`, `<@U123>` and `<http://evil|click>` stay text; the
 * formatting marks `*`, `_`, `~` and `` ` `` replaced by look-alikes (mrkdwn has no escape), so
 * no text can turn bold, italic, struck or code. The result, entities counted, is at most `max`
 * UTF-16 units (Slack counts characters of the escaped text), cut with `…` between characters,
 * never inside an entity; `–` when empty.
 */
export function slackText(text: string | number | undefined, max: number = MAX_SLACK_TEXT): string {
  if (text === undefined || text === '') return '–';
  const characters = Array.from(String(text).replace(LINE_BREAKS, ' ').replace(CONTROLS, ''));
  const escaped = characters.map((char) => SLACK_ENTITIES[char] ?? SLACK_FORMATTING[char] ?? char);
  const total = escaped.reduce((sum, part) => sum + part.length, 0);
  if (total <= max) return escaped.join('');
  let kept = '';
  for (const part of escaped) {
    if (kept.length + part.length > max - 1) break;
    kept += part;
  }
  return `${kept}…`;
}

/**
 * A Slack link `<url|text>` when `url` is a safe http(s) URL (see `safeUrl`), else the text alone
 * (escaped). In the URL `&`, `<`, `>` become entities as Slack requires, and `|`, which would end
 * it, is percent-encoded; the label goes through `slackText` (at most `max`).
 */
export function slackLink(
  text: string,
  url: string | undefined,
  max: number = MAX_SLACK_TEXT,
): string {
  const href = safeUrl(url);
  const label = slackText(text, max);
  if (href === undefined) return label;
  const destination = href
    .replace(/\|/g, '%7C')
    .replace(/[&<>]/g, (char) => SLACK_ENTITIES[char] ?? char);
  return `<${destination}|${label}>`;
}

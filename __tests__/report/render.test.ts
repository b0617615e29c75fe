import {
  DAILY_REPORT_MARKER,
  findingsCsv,
  FINDINGS_CSV_COLUMNS,
  isDailyReportBody,
  MAX_ISSUE_BODY_CHARS,
  newlyOverdue,
  renderDeltaComment,
  renderIssueBody,
  renderReportMarkdown,
  reportJson,
} from '../../actions/src/report/render';
import {
  dailyReport,
  firstRunReport,
  HOSTILE,
  hostileReport,
  manyFindingsReport,
} from '../fixtures/daily-report';
import { shownText } from '../fixtures/markdown-shown';
import { renderReportHtml } from '../../actions/src/report/html';
import { cveCoverage } from '../../actions/src/report/model';

// The daily report goes to the job summary, an issue everyone watching the repository reads,
// and files people open in a spreadsheet: what AWS sends has to stay text in each of them.
const OPTIONS = {
  top: 10,
  runUrl: 'https://github.com/acme/infra/actions/runs/42',
  htmlName: 'report.html',
};

/** The rows of a Markdown table that follows `heading` (header and rule excluded). */
function tableRows(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const lines = markdown.slice(start).split('\n').slice(1);
  const table = lines.slice(lines.findIndex((line) => line.startsWith('|')));
  const end = table.findIndex((line) => !line.startsWith('|'));
  return table.slice(2, end === -1 ? undefined : end);
}

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += char;
  }
  return records;
}

/** Problems a Markdown text would have on GitHub or in a runner log. */
function injections(markdown: string): string[] {
  const problems: string[] = [];
  for (const line of markdown.split('\n')) {
    if (/^\s*::/.test(line)) problems.push(`workflow command: ${line}`);
    if (line.includes('##[')) problems.push(`legacy command: ${line}`);
    if (/^#+ (heading|injected)/.test(line)) problems.push(`injected heading: ${line}`);
  }
  // `\<img` and `\]\(` are escaped text, and code spans are inert; any other `<` or `](` is markup.
  const prose = markdown.replace(/(`+).*?\1/g, '');
  if (/(^|[^\\])<(img|script)/im.test(prose)) problems.push('raw HTML');
  if (/(^|[^\\])\]\((?!https?:\/\/)/im.test(prose)) problems.push('a link that is not http(s)');
  return problems;
}

describe('renderReportMarkdown', () => {
  it('heads with the counts and the delta against the previous run', () => {
    const markdown = renderReportMarkdown(dailyReport(), OPTIONS);
    const head = shownText(markdown.split('\n').slice(0, 4).join('\n')).replace(/\*\*/g, '');
    expect(head).toContain(
      '24 open findings (4 critical · 10 high · 6 medium · 4 low) · 9 overdue',
    );
    expect(head).toContain('Since 2026-03-01 06:00 UTC: 4 new, 3 fixed, open +1 (23 → 24).');
    expect(markdown).toContain('| Open | 4 | 10 | 6 | 4 | 0 | 0 | 24 |');
    expect(markdown).toContain('| CVE (packages) | 3 | 6 | 4 | 3 | 0 | 0 | 16 |');
  });

  it('says a first run has nothing to compare, and shows no delta', () => {
    const markdown = renderReportMarkdown(firstRunReport(), OPTIONS);
    expect(markdown).toContain('First run: no previous state, nothing to compare.');
    expect(markdown).not.toContain('Since ');
    expect(markdown).not.toContain('### New since the last run');
    expect(markdown).not.toContain('### Fixed since the last run');
    expect(markdown).toContain('### Overdue (9)');
  });

  it('lists new, overdue, fixed, images, failing rules, tag coverage, exceptions and owners', () => {
    const markdown = renderReportMarkdown(dailyReport(), OPTIONS);
    expect(tableRows(markdown, '### New since the last run (4)')).toHaveLength(4);
    const overdue = tableRows(markdown, '### Overdue (9)');
    expect(overdue).toHaveLength(9);
    expect(overdue[0]).toContain('[CVE-2024-6387](https://nvd.nist.gov/vuln/detail/CVE-2024-6387)');
    expect(overdue[0]).toContain('12 d / 7 d');
    expect(overdue[0]).toContain('platform-team@example.com');
    expect(tableRows(markdown, '### Fixed since the last run (3)')[0]).toContain(
      '`web@sha256:a1a1a1a1a1a1…`',
    );
    const images = tableRows(markdown, '### Vulnerable images (4)');
    expect(images[0]).toContain('**running (4)**');
    expect(images[3]).toContain('idle');
    // Only failing rules are listed; the passing ones are counted.
    expect(tableRows(markdown, '### Failing rules (6 of 8)')).toHaveLength(6);
    expect(markdown).toContain('### Tag coverage: 72.7% (32 of 44 resources)');
    expect(tableRows(markdown, '### Exceptions expiring soon (2)')[0]).toContain(
      '2026-03-09 | 7 |',
    );
    expect(tableRows(markdown, '### Owners (3)')[0]).toContain(
      'payments-team@example.com | 8 | **5**',
    );
    expect(markdown).toContain('[the workflow run](https://github.com/acme/infra/actions/runs/42)');
  });

  it('shows at most `top` rows per table and says how many more the HTML report and CSV hold', () => {
    const markdown = renderReportMarkdown(dailyReport(), { ...OPTIONS, top: 2 });
    expect(tableRows(markdown, '### Overdue (9)')).toHaveLength(2);
    expect(markdown).toContain(
      '…and 7 more in the HTML report (`report.html`) and `findings.csv`.',
    );
    expect(tableRows(markdown, '### Failing rules (6 of 8)')).toHaveLength(2);
    expect(markdown).toContain('…and 4 more in the HTML report (`report.html`).');
  });

  it('keeps hostile titles, ids, owners, rules and URLs as text', () => {
    const markdown = renderReportMarkdown(hostileReport(), { ...OPTIONS, top: 100 });
    expect(injections(markdown)).toEqual([]);
    const shown = shownText(markdown);
    expect(shown).toContain(HOSTILE.html);
    expect(shown).toContain('[a](javascript:alert(1)) line one ::warning::injected # heading');
    expect(shown).toContain(HOSTILE.command);
    // The javascript: and data: URLs are no links; the id is shown as text.
    expect(markdown).toContain('| 🟥 CRITICAL | CVE-2024-6387 | `web@');
    expect(markdown).not.toContain('](data:');
    // An https URL that carries markup is a link whose destination cannot end early.
    expect(markdown).toContain(
      '](https://example.com/a%22%3E%3Cscript%3Ealert%281%29%3C/script%3E)',
    );
  });

  it('stays under the job summary limit with thousands of findings', () => {
    const markdown = renderReportMarkdown(manyFindingsReport(8000), { ...OPTIONS, top: 100_000 });
    expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(512 * 1024);
    expect(markdown).toContain('This summary was cut');
  });
});

describe('renderIssueBody', () => {
  it('starts with the hidden marker and holds the same report', () => {
    const body = renderIssueBody(dailyReport(), OPTIONS);
    expect(body.startsWith(`${DAILY_REPORT_MARKER}\n## `)).toBe(true);
    expect(isDailyReportBody(body)).toBe(true);
    expect(isDailyReportBody('## someone else’s issue')).toBe(false);
    expect(isDailyReportBody(null)).toBe(false);
    expect(body).toContain('### Overdue (9)');
    expect(body).not.toContain('was cut');
  });

  it('is cut below GitHub’s 65,536-character limit with a note when the report is larger', () => {
    const body = renderIssueBody(manyFindingsReport(3000), { ...OPTIONS, top: 100_000 });
    expect(body.length).toBeLessThanOrEqual(MAX_ISSUE_BODY_CHARS);
    // Room is left for the line a sink puts before it.
    expect(body.length + 200).toBeLessThanOrEqual(MAX_ISSUE_BODY_CHARS);
    expect(body.startsWith(DAILY_REPORT_MARKER)).toBe(true);
    expect(body).toMatch(/\*\*This issue was cut at 65,536 characters\*\*.*report\.html/);
    // Cut at a line: the last table row before the note is whole.
    const beforeNote = body
      .slice(0, body.indexOf('**This issue was cut'))
      .trimEnd()
      .split('\n')
      .at(-1)!;
    expect(beforeNote.endsWith('|')).toBe(true);
  });
});

describe('renderDeltaComment', () => {
  it('gives the day’s delta only: new, fixed and newly overdue', () => {
    const report = dailyReport();
    const comment = renderDeltaComment(report, OPTIONS);
    expect(shownText(comment.split('\n')[0]!)).toContain(
      '4 new, 3 fixed, 1 newly overdue · 24 open (+1), 9 overdue.',
    );
    expect(newlyOverdue(report).map((item) => item.finding.id)).toEqual(['CVE-2024-5535']);
    const newlyOverdueSection = comment.slice(comment.indexOf('**Newly overdue**'));
    expect(newlyOverdueSection).toContain('[CVE-2024-5535](');
    expect(newlyOverdueSection).not.toContain('CVE-2024-6387');
    expect(comment).toContain(
      '**Fixed**\n- 🟥 CRITICAL CVE-2024-3094 on `web@sha256:a1a1a1a1a1a1…` after 2 days',
    );
    expect(comment).not.toContain('### Owners');
    expect(comment.length).toBeLessThan(4000);
  });

  it('counts a new finding that arrives long past its SLA as newly overdue', () => {
    const report = dailyReport();
    const [first, ...rest] = report.open;
    const arrivedOverdue = { ...first!, isNew: true, overdue: true, ageDays: 300, dueInDays: -270 };
    const withIt = { ...report, open: [arrivedOverdue, ...rest] };
    expect(newlyOverdue(withIt).map((item) => item.key)).toContain(arrivedOverdue.key);
    // Still not when it was already overdue and open at the previous run.
    const old = { ...arrivedOverdue, isNew: false };
    expect(newlyOverdue({ ...report, open: [old, ...rest] }).map((item) => item.key)).not.toContain(
      old.key,
    );
  });

  it('says a first run has nothing to compare', () => {
    const comment = renderDeltaComment(firstRunReport(), OPTIONS);
    expect(comment).toContain('first run: no previous state, nothing to compare');
    expect(comment).not.toContain('**New**');
    expect(newlyOverdue(firstRunReport())).toEqual([]);
  });

  it('keeps hostile text as text', () => {
    expect(injections(renderDeltaComment(hostileReport(), OPTIONS))).toEqual([]);
  });
});

describe('reportJson', () => {
  it('is the report as compact JSON', () => {
    const report = dailyReport();
    const json = reportJson(report);
    expect(JSON.parse(json)).toEqual(report);
    expect(json.trimEnd()).not.toContain('\n');
  });
});

describe('findingsCsv', () => {
  it('has one row per open finding with every column', () => {
    const report = dailyReport();
    const records = parseCsv(findingsCsv(report));
    expect(records[0]).toEqual([...FINDINGS_CSV_COLUMNS]);
    expect(records).toHaveLength(report.open.length + 1);
    const row = Object.fromEntries(
      FINDINGS_CSV_COLUMNS.map((column, index) => [column, records[1]![index]]),
    );
    expect(row).toMatchObject({
      id: 'CVE-2024-6387',
      kind: 'cve',
      severity: 'CRITICAL',
      owner: 'platform-team@example.com',
      'age days': '12',
      'SLA days': '7',
      'due in days': '-5',
      overdue: 'yes',
      new: 'no',
      'fix available': 'yes',
      EPSS: '0.43',
      'exploit available': 'yes',
      'in use count': '4',
    });
    // Unknown values are empty cells, not zeros.
    const config = records.find((record) => record[1] === 'cce')!;
    expect(config[16]).toBe('');
    expect(config[18]).toBe('');
  });

  it('neutralises formulas and keeps newlines inside their quoted cell', () => {
    const records = parseCsv(findingsCsv(hostileReport()));
    const hostileRow = records.find((record) => record[2]?.includes('HYPERLINK'))!;
    expect(hostileRow[2]).toBe(`'${HOSTILE.formula}`);
    expect(hostileRow[4]).toContain('line one\n::warning::injected');
    expect(records.every((record) => record.length === FINDINGS_CSV_COLUMNS.length)).toBe(true);
    for (const record of records) {
      for (const cell of record) expect(cell).not.toMatch(/^[=+@\t\r]/);
    }
  });
});

describe('what Inspector2 scans', () => {
  it('is said in the summary and the page, naming the types it does not scan', () => {
    expect(cveCoverage(['ECR', 'EC2', 'LAMBDA'])).toBe(
      'ECR images, EC2 instances, Lambda functions',
    );
    expect(cveCoverage(['ECR', 'EC2'])).toBe('ECR images, EC2 instances (not Lambda functions)');
    const report = { ...dailyReport(), cveScanned: ['ECR' as const] };
    const summary = renderReportMarkdown(report, OPTIONS);
    expect(summary).toContain('Inspector2 scans ECR images (not EC2 instances, Lambda functions)');
    expect(renderReportHtml(report)).toContain(
      'Inspector2 scans <b>ECR images (not EC2 instances, Lambda functions)</b>',
    );
  });
});

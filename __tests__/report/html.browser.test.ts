import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { REPORT_CSP, renderReportHtml } from '../../actions/src/report/html';
import type { DailyReport } from '../../actions/src/report/model';
import { EMPTY_CHART_TEXT } from '../../actions/src/report/charts';
import {
  dailyReport,
  firstRunReport,
  HOSTILE,
  hostileReport,
  reportFrom,
} from '../fixtures/daily-report';
import { launchChromium } from '../support/browser';

// The report page is opened by people, from an artifact, an S3 link or an email: it has to
// draw its charts with no network at all, and nothing AWS sends may run in it.
const SCREENSHOT = resolve(__dirname, '../../docs/images/daily-report.png');
const CHART_IDS = [
  'chart-trend',
  'chart-new-fixed',
  'chart-images',
  'chart-rules',
  'chart-tags',
  'chart-owners',
];

let browser: Browser;
let workDir: string;

beforeAll(async () => {
  browser = await launchChromium();
  workDir = mkdtempSync(join(tmpdir(), 'assetguard-report-html-'));
});

afterAll(async () => {
  await browser.close();
  rmSync(workDir, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  requests: string[];
  problems: string[];
  dialogs: string[];
  url: string;
}

/** Writes the page to a file and opens it as a person would (file://), recording what it does. */
async function open(report: DailyReport, name: string, width = 1280): Promise<Opened> {
  const file = join(workDir, `${name}.html`);
  writeFileSync(
    file,
    renderReportHtml(report, { runUrl: 'https://github.com/acme/infra/actions/runs/42' }),
  );
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const opened: Opened = {
    page,
    requests: [],
    problems: [],
    dialogs: [],
    url: pathToFileURL(file).href,
  };
  page.on('request', (request) => opened.requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      opened.problems.push(message.text());
  });
  page.on('pageerror', (error) => opened.problems.push(error.message));
  page.on('dialog', (dialog) => {
    opened.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(opened.url, { waitUntil: 'load' });
  return opened;
}

async function chartSizes(page: Page): Promise<Record<string, { width: number; height: number }>> {
  const sizes: Record<string, { width: number; height: number }> = {};
  for (const id of CHART_IDS) {
    const box = await page.locator(`svg#${id}`).boundingBox();
    sizes[id] = { width: box?.width ?? 0, height: box?.height ?? 0 };
  }
  return sizes;
}

describe('the report page in Chromium', () => {
  it('draws every chart, loads nothing but itself, and logs no error', async () => {
    const { page, requests, problems, url } = await open(dailyReport(), 'report');
    const sizes = await chartSizes(page);
    for (const id of CHART_IDS) {
      expect({ id, ok: sizes[id]!.width > 100 && sizes[id]!.height > 80 }).toEqual({
        id,
        ok: true,
      });
    }
    // Charts carry their data: one line per severity, bars per image.
    expect(await page.locator('svg#chart-trend path').count()).toBe(4);
    expect(await page.locator('svg#chart-images g.series rect').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('.card').count()).toBeGreaterThanOrEqual(7);
    expect(await page.locator('.card.open .value').textContent()).toBe('24');
    expect(await page.locator('section#overdue tbody tr').count()).toBe(9);
    expect(await page.locator('section#open tbody tr').count()).toBe(24);
    expect(requests).toEqual([url]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('declares a CSP without scripts, and holds no script or external reference', async () => {
    const html = renderReportHtml(dailyReport());
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP.replace(/'/g, '&#39;')}">`,
    );
    expect(html).not.toMatch(/<script|\son[a-z]+=|\ssrc=|url\(|@import/i);
    // The only href that is not a finding's https link is the empty data: icon (no favicon fetch).
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((match) => match[1]);
    expect(hrefs.filter((href) => !href!.startsWith('https://'))).toEqual(['data:,']);
    expect(renderReportHtml(dailyReport())).toBe(html);
    const { page } = await open(dailyReport(), 'csp');
    const csp = await page
      .locator('meta[http-equiv="Content-Security-Policy"]')
      .getAttribute('content');
    expect(csp).toBe(REPORT_CSP);
    await page.close();
  });

  it('shows hostile text as text: no element, no script, no dialog, no javascript: link', async () => {
    const { page, dialogs, problems, requests, url } = await open(hostileReport(), 'hostile');
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(0);
    const overdueText = await page.locator('section#overdue table').innerText();
    expect(overdueText).toContain(HOSTILE.html);
    expect(await page.locator('h1').innerText()).toBe(`${HOSTILE.script} report`);
    expect(await page.locator('svg#chart-images').textContent()).toContain('<img src=x');
    const hrefs = await page
      .locator('a')
      .evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).toMatch(/^https:\/\//);
    const rels = await page
      .locator('a')
      .evaluateAll((links) => links.map((link) => link.getAttribute('rel')));
    expect(new Set(rels)).toEqual(new Set(['noopener noreferrer']));
    // The https URL that carries markup is one link, its markup percent-encoded.
    expect(hrefs).toContain('https://example.com/a%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
    await page.waitForTimeout(200);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  it('says "no data yet" in every chart of an empty first report, still drawn with a size', async () => {
    const empty = reportFrom([], {
      previousAt: undefined,
      fixed: [],
      trend: [],
      rules: [],
      images: [],
      owners: [],
      tags: undefined,
      expiringExceptions: [],
      warnings: [],
      mttrDays: { bySeverity: {} },
    });
    const { page, problems } = await open(empty, 'empty');
    const sizes = await chartSizes(page);
    for (const id of CHART_IDS) {
      expect(sizes[id]!.width).toBeGreaterThan(100);
      expect(await page.locator(`svg#${id} text.empty`).textContent()).toContain(EMPTY_CHART_TEXT);
    }
    expect(await page.locator('.first-run').innerText()).toContain(
      'First run: no previous state, nothing to compare.',
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it('fits a phone-width screen without a horizontal scrollbar on the page', async () => {
    const { page } = await open(firstRunReport(), 'narrow', 390);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    const sizes = await chartSizes(page);
    for (const id of CHART_IDS) expect(sizes[id]!.width).toBeLessThanOrEqual(390);
    await page.close();
  });

  it('wraps one 5,000-character unbroken title in its cell: no table wider than the page, ids and ages on one line', async () => {
    const report = dailyReport();
    const index = report.open.findIndex((item) => item.overdue);
    const item = report.open[index]!;
    report.open[index] = { ...item, finding: { ...item.finding, title: 'A'.repeat(5000) } };
    const { page } = await open(report, 'long-title');
    const measured = await page.evaluate(() => {
      const lines = (node: Node): number => {
        const range = document.createRange();
        range.selectNodeContents(node);
        // One rectangle per line box the text is laid out on.
        return new Set(Array.from(range.getClientRects(), (rect) => Math.round(rect.top))).size;
      };
      return {
        pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
        tableOverflow: Array.from(
          document.querySelectorAll('div.scroll'),
          (scroll) => `${scroll.parentElement?.id}: ${scroll.scrollWidth - scroll.clientWidth}`,
        ),
        titleHeight: document
          .querySelector('section#overdue tbody tr td:nth-child(3)')!
          .getBoundingClientRect().height,
        // The id itself (a link, or text without a URL), not the "new" tag after it.
        idLines: Array.from(document.querySelectorAll('section#overdue td.id'), (td) =>
          lines(td.firstChild as Node),
        ),
        ageLines: Array.from(document.querySelectorAll('section#overdue td.num'), lines),
        badgeLines: Array.from(
          document.querySelectorAll('section#overdue .sev, section#overdue .tag'),
          lines,
        ),
      };
    });
    expect(measured.pageOverflow).toBeLessThanOrEqual(2);
    for (const entry of measured.tableOverflow) expect(entry).toMatch(/: [0-2]$/);
    // The title is there, wrapped: many lines in its cell rather than one 40,000 px line.
    expect(measured.titleHeight).toBeGreaterThan(500);
    const overdue = report.open.filter((open) => open.overdue).length;
    expect(measured.idLines).toEqual(Array.from({ length: overdue }, () => 1));
    expect(measured.ageLines).toEqual(Array.from({ length: overdue }, () => 1));
    expect(measured.badgeLines.length).toBeGreaterThanOrEqual(overdue * 2);
    expect(new Set(measured.badgeLines)).toEqual(new Set([1]));
    await page.close();
  });

  it('takes a screenshot of the page head: cards and charts (docs/images/daily-report.png with UPDATE_SCREENSHOT=1)', async () => {
    const target =
      process.env.UPDATE_SCREENSHOT === '1' ? SCREENSHOT : join(workDir, 'daily-report.png');
    mkdirSync(dirname(target), { recursive: true });
    const { page } = await open(dailyReport(), 'screenshot');
    // The cards and the six charts: what the README shows. The tables below are long, and a
    // full-page PNG of them weighs a megabyte in the repository for little to see.
    await page.screenshot({
      path: target,
      fullPage: true,
      clip: { x: 0, y: 0, width: 1280, height: 1500 },
    });
    await page.close();
    const png = readFileSync(target);
    expect(png.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    expect(png.length).toBeGreaterThan(50_000);
    // IHDR: width and height, big-endian, at bytes 16..24.
    expect(png.readUInt32BE(16)).toBe(1280);
    expect(png.readUInt32BE(20)).toBe(1500);
  });
});

/**
 * @jest-environment ./__tests__/app/environment.ts
 */
/**
 * The portal's page in headless Chromium: the imported report is shown, nothing the report
 * carries runs (a hostile tag value, title or `javascript:` link stays text), no console error.
 */
import type { Browser, Page } from 'playwright-core';

import { launchChromium } from '../support/browser';
import { dailyReport } from '../fixtures/daily-report';
import {
  PORTAL_START_TIMEOUT_MS,
  HOSTILE,
  hostileBody,
  postImport,
  reportBody,
  startPortal,
  type TestPortal,
} from './portal';

describe('the portal page in a browser', () => {
  let portal: TestPortal;
  let browser: Browser;

  beforeAll(async () => {
    [portal, browser] = await Promise.all([startPortal(), launchChromium()]);
  }, PORTAL_START_TIMEOUT_MS);

  afterAll(async () => {
    await browser.close();
    await portal.close();
  });

  /** Opens `/`, recording console errors, page errors, dialogs and requests off the portal. */
  async function open(): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(portal.base)) problems.push(`request: ${request.url()}`);
    });
    const response = await page.goto(`${portal.base}/`);
    expect(response?.status()).toBe(200);
    return { page, problems };
  }

  it('says there is no report before the first import', async () => {
    const { page, problems } = await open();
    await expect(page.locator('body').innerText()).resolves.toMatch(/No report imported yet/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the imported report: counts, findings, inventory and rules', async () => {
    expect((await postImport(portal.base, reportBody())).status).toBe(201);
    const fixture = dailyReport();
    const { page, problems } = await open();
    await expect(page.locator('h1').innerText()).resolves.toBe(fixture.title);
    const counts = await page.locator('#counts li').allInnerTexts();
    expect(counts).toEqual(
      expect.arrayContaining([
        `${fixture.counts.open.CRITICAL}\nCRITICAL`,
        `${fixture.counts.open.HIGH}\nHIGH`,
        `${fixture.counts.open.total}\nopen`,
        `${fixture.counts.overdue}\noverdue`,
      ]),
    );
    await expect(page.locator('#findings tbody tr').count()).resolves.toBe(fixture.open.length);
    const firstRow = await page.locator('#findings tbody tr').first().innerText();
    expect(firstRow).toContain('CRITICAL');
    const resources = new Set(fixture.open.map((item) => item.finding.resource.id));
    await expect(page.locator('#assets tbody tr').count()).resolves.toBe(resources.size);
    await expect(page.locator('#rules tbody tr').count()).resolves.toBe(fixture.rules.length);
    // Links to the sources are http(s) and open nothing but themselves.
    const hrefs = await page
      .locator('#findings a')
      .evaluateAll((links) => links.map((link) => link.getAttribute('href')));
    expect(hrefs.length).toBeGreaterThan(0);
    expect(hrefs.every((href) => href !== null && /^https?:\/\//.test(href))).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows hostile text from a report as text: no element, no script, no javascript: link', async () => {
    expect((await postImport(portal.base, hostileBody())).status).toBe(201);
    const { page, problems } = await open();
    const text = await page.locator('body').innerText();
    expect(text).toContain(`Team=${HOSTILE.html}`);
    expect(text).toContain(HOSTILE.html);
    expect(text).toContain(`${HOSTILE.script} report`);
    expect(text).toContain(`(link not shown: ${HOSTILE.url})`);
    await expect(page.locator('img').count()).resolves.toBe(0);
    await expect(page.locator('script').count()).resolves.toBe(0);
    const hrefs = await page
      .locator('a')
      .evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));
    expect(hrefs.filter((href) => !/^(https?:\/\/|\/api\/)/.test(href))).toEqual([]);
    // The quote in a hostile https URL stays inside the attribute.
    expect(hrefs).toContain('https://example.com/a%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
    expect(problems).toEqual([]);
    await page.close();
  });
});

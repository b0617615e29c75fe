/**
 * Real headless Chromium for tests (playwright-core driving Debian's /usr/bin/chromium): the
 * report page and the demo app are checked the way a person's browser shows them. Never skipped:
 * a missing browser fails the test with how to get one.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * The browsers tried, in order: ASSETGUARD_CHROMIUM when set, Debian's Chromium (as .ci/run
 * installs it), and Google Chrome (what GitHub's Ubuntu runners have instead).
 */
export const BROWSER_PATHS = [
  ...(process.env.ASSETGUARD_CHROMIUM ? [process.env.ASSETGUARD_CHROMIUM] : []),
  '/usr/bin/chromium',
  '/usr/bin/google-chrome',
];

/**
 * Flags for a quiet, offline browser: no sandbox (containers), no GPU, and none of Chromium's
 * own background traffic (component updates, sync, QUIC probes), so any request a test sees is
 * the page's own.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches the first of BROWSER_PATHS that exists, headless with CHROMIUM_ARGS and a fresh
 * profile each time. Close it (`browser.close()`) in the test's `afterAll`.
 * @throws Error naming the paths tried and how to install one, when none exists.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = BROWSER_PATHS.find((path) => existsSync(path));
  if (executablePath === undefined) {
    throw new Error(
      `no Chromium at ${BROWSER_PATHS.join(' or ')}: the browser tests need Debian's chromium package (.ci/run installs it; locally: apt-get install chromium, or set ASSETGUARD_CHROMIUM)`,
    );
  }
  return chromium.launch({
    executablePath,
    args: CHROMIUM_ARGS,
    headless: true,
    timeout: 30_000,
  });
}

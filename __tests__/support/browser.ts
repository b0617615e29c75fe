/**
 * Real headless Chromium for tests (playwright-core driving Debian's /usr/bin/chromium): the
 * report page and the demo app are checked the way a person's browser shows them. Never skipped:
 * a missing browser fails the test with how to get one.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, as .ci/run installs it. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

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
 * Launches headless Chromium from CHROMIUM_PATH with CHROMIUM_ARGS, a fresh profile each time.
 * Close it (`browser.close()`) in the test's `afterAll`.
 * @throws Error naming the path and how to install it, when the binary is missing.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not at ${CHROMIUM_PATH}: the browser tests need Debian's chromium package (.ci/run installs Debian's chromium; locally: apt-get install chromium)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    timeout: 30_000,
  });
}

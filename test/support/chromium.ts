import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/** Debian's Chromium (playwright-core only drives it; nothing is downloaded). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** As the machine's probe starts it: without the background-networking flags it calls out at every start. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const IN_CI = /^(1|true|yes)$/i.test(process.env.CI ?? '');
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Screenshots and downloads of the browser tests (ignored by git). */
export const OUTPUT_DIR = join(__dirname, '..', '..', 'test-output');

/**
 * `describe` for a suite that needs Chromium: without it the suite is skipped with a loud
 * message, except under CI=true, where it runs and fails (see `requireChromium`).
 */
export function describeInChromium(what: string, name: string, suite: () => void): void {
  if (!HAVE_CHROMIUM && !IN_CI) {
    console.warn(`*** ${what} browser test SKIPPED: no Chromium at ${CHROMIUM}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH; under CI=true this is a failure. ***`);
  }
  (HAVE_CHROMIUM || IN_CI ? describe : describe.skip)(name, suite);
}

/** First thing in a browser suite's beforeAll: under CI a missing browser is a failure, never a skip. */
export function requireChromium(): void {
  if (!HAVE_CHROMIUM) throw new Error(`CI=true but there is no Chromium at ${CHROMIUM}: the browser test must run (.ci/run installs it with apt-get)`);
}

/** Retries an assertion until it holds or the time is up (the page renders asynchronously). */
export async function eventually(assertion: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Asks the page to fetch from another origin and reports what happened: whether the fetch went
 * through, and the CSP directive that blocked it. Runs in the page (the project compiles without
 * the DOM's types, hence a string).
 */
export function fetchAnotherOrigin(page: Page): Promise<unknown> {
  return page.evaluate(`(async () => {
    const violation = new Promise((resolve) => document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective + ' ' + e.blockedURI), { once: true }));
    const fetched = await fetch('http://example.invalid/x').then(() => 'fetched', () => 'refused');
    return { fetched, violation: await violation };
  })()`);
}

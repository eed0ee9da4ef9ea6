import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';
import { CHROMIUM, CHROMIUM_ARGS, describeInChromium, OUTPUT_DIR, requireChromium } from '../support/chromium';
import { ok, startTestGateway, TestGateway } from '../support/gateway';

/**
 * The report's `html` as the person sees it: opened in headless Chromium, it loads nothing,
 * runs nothing (a hostile name would raise an alert if it became markup), shows each value as
 * text, and is saved as test-output/report.png.
 */


const HOSTILE_NAME = '<img src=x onerror=alert(1)>';
const HOSTILE_CITY = `"><script>alert('city')</script>`;
const DAY = 86_400_000;

interface Seen {
  lang: string;
  title: string;
  h1: string[];
  scripts: number;
  images: number;
  linking: number;
  thWithoutScope: number;
  rows: Record<string, string>;
  captions: string[];
}

/** Runs in the page (a string: the project's TypeScript has no DOM types). */
const INSPECT = `(() => ({
  lang: document.documentElement.lang,
  title: document.title,
  h1: [...document.querySelectorAll('h1')].map((h) => h.textContent),
  scripts: document.scripts.length,
  images: document.images.length,
  linking: document.querySelectorAll('[src],[href],[srcset],[action],[style]').length,
  thWithoutScope: document.querySelectorAll('th:not([scope])').length,
  rows: Object.fromEntries([...document.querySelectorAll('th[scope=row]')].map((th) => [th.textContent, th.nextElementSibling && th.nextElementSibling.textContent])),
  captions: [...document.querySelectorAll('caption')].map((c) => c.textContent),
}))()`;

describeInChromium('Report', 'privacy report html in headless Chromium', () => {
  let t: TestGateway;
  let a: Tenant;
  let userDataDir: string;
  let browser: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    requireChromium();
    mkdirSync(OUTPUT_DIR, { recursive: true });
    t = await startTestGateway('sqlite');
    a = await createTenant(t, 'Boghandel', 1);
    const s = a.storeIds[0];
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString();
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'cust-1042', email: 'karen.holm@example.dk', name: HOSTILE_NAME, age: 52, gender: 'female', city: HOSTILE_CITY, attributes: { loyalty: 'gold' } }] }));
    ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [
      { visitorId: 'vis-7f3a', customerId: 'cust-1042', type: 'PAGE_VIEW', url: 'https://boghandel.example/boeger/krimi', occurredAt: at(20), durationSeconds: 240 },
      { visitorId: 'vis-7f3a', customerId: 'cust-1042', type: 'CONTENT_VIEW', contentId: 'reco-frontpage', productId: 'isbn-9788702', occurredAt: at(20), durationSeconds: 30 },
      { visitorId: 'vis-7f3a', customerId: 'cust-1042', type: 'CLICK', contentId: 'reco-frontpage', productId: 'isbn-9788702', url: 'https://boghandel.example/p/isbn-9788702', occurredAt: at(6), durationSeconds: 180 },
    ] }));
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'ord-55120', customerId: 'cust-1042', email: 'karen.holm@example.dk', visitorId: 'vis-7f3a', createdAt: at(6), currency: 'DKK', lines: [{ productId: 'isbn-9788702', quantity: 1, unitPrice: 249.95 }, { productId: 'bogmaerke', quantity: 2, unitPrice: 15 }] }] }));

    userDataDir = mkdtempSync(join(tmpdir(), 'pgw-chromium-'));
    browser = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1100, height: 900 } });
    browser.on('request', (r) => requests.push(r.url()));
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await t?.close();
  });

  it('shows the report as text, loading and running nothing, and saves a screenshot', async () => {
    const html: string = ok(await t.gql(a.key, 'query{ privacyReport(idOrEmail:"karen.holm@example.dk"){ html } }')).privacyReport.html;
    await page.setContent(html, { waitUntil: 'load' });
    const seen = await page.evaluate<Seen>(INSPECT);
    expect(seen).toEqual(expect.objectContaining({ lang: 'en', h1: ['Your personal data'], scripts: 0, images: 0, linking: 0, thWithoutScope: 0 }));
    expect(seen.title).toMatch(/^Your personal data: report of \d{4}-\d\d-\d\d$/);
    expect(seen.rows).toEqual(expect.objectContaining({ Name: HOSTILE_NAME, City: HOSTILE_CITY, 'E-mail address': 'karen.holm@example.dk', loyalty: 'gold', Age: '52' }));
    expect(seen.captions.find((c) => c.startsWith('Order ord-55120'))).toMatch(/total 279\.95 DKK$/);
    await page.screenshot({ path: join(OUTPUT_DIR, 'report.png'), fullPage: true });
    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('about:') && !u.startsWith('data:'))).toEqual([]);
  });
});

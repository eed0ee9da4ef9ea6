import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DASHBOARD_CSP, DASHBOARD_QUERY } from '../../src/http/dashboard-page';
import { seedDemo } from '../../src/services/demo/demo-seed.service';
import { failDeletes } from '../support/faults';
import { createKey } from '../support/fixtures';
import { CHROMIUM, CHROMIUM_ARGS, describeInChromium, eventually, fetchAnotherOrigin, OUTPUT_DIR, requireChromium } from '../support/chromium';
import { ok, startTestGateway, TestGateway } from '../support/gateway';

/**
 * The GDPR dashboard page (/dashboard) in a real, headless Chromium on the demo data, with some
 * privacy activity on top: what it highlights is what the API says, it speaks English and
 * Danish, works from the keyboard, loads nothing from another origin, keeps the key out of the
 * browser's storage, and prints. Screenshots go to test-output/ (look at them).
 */

const DAY = 86_400_000;


/**
 * In the page: every visible text whose contrast with its background is under WCAG AA (4.5:1;
 * 3:1 for large text). The background is the first opaque one up the tree. A string, because
 * this project compiles without the DOM's types.
 */
const CONTRAST_FAILURES = `(() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const bgOf = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || el.closest('script, [disabled], .visually-hidden, .skip-link')) continue;
    if (!el.getClientRects().length) continue;
    const cs = getComputedStyle(el);
    const fg = rgb(cs.color).slice(0, 3);
    const [a, b] = [lum(fg), lum(bgOf(el))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(cs.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) out.push(n.textContent.trim().slice(0, 40) + ' ' + ratio.toFixed(2));
  }
  return out;
})()`;

let t: TestGateway;
let seeded: { key: string; storeIds: string[] };
let answer: Record<string, any>;
let analystKey: string;

beforeAll(async () => {
  // Wired as `npm start` wires it in demo mode, with regions configured.
  t = await startTestGateway('sqlite', { DATA_REGION: 'EU (Falkenstein, Germany)', BACKUP_REGION: 'EU (Dublin, Ireland)' }, { demoKey: () => seeded?.key ?? null });
  seeded = (await seedDemo(t.gateway.services))!;
  const [dk, se] = seeded.storeIds;
  // Some privacy activity: a completed forget, one that failed and waits for a retry, a purge.
  ok(await t.gql(seeded.key, 'mutation($s:ID!){ forgetCustomer(idOrEmail:"C10002", storeId:$s){ requests { status } } }', { s: dk }));
  const heal = await failDeletes(t, se, 'customers');
  const failed = ok(await t.gql(seeded.key, 'mutation($s:ID!){ forgetCustomer(idOrEmail:"C20003", storeId:$s){ requests { status } } }', { s: se }));
  await heal();
  expect(failed.forgetCustomer.requests[0].status).toBe('FAILED');
  ok(await t.gql(seeded.key, 'mutation{ purgeExpiredData{ eventsDeleted } }'));
  answer = ok(await t.gql(seeded.key, DASHBOARD_QUERY)).company;
  const { viewer } = ok(await t.gql(seeded.key, '{ viewer { company { id } } }'));
  analystKey = await createKey(t, seeded.key, viewer.company.id, ['PROFILES_READ']);
}, 60_000);
afterAll(() => t?.close());

describe('the demo data behind the dashboard', () => {
  it('has something in every part of the page: processors in use and not, activity of each kind', () => {
    const d = answer.gdprDashboard;
    expect(d.subProcessors.filter((p: any) => p.inUse).map((p: any) => p.subProcessor.id).sort()).toEqual(['backup', 'email-delivery', 'hosting']);
    expect(d.subProcessors.filter((p: any) => !p.subProcessor.inEea).map((p: any) => p.subProcessor.id)).toEqual(['support-chat']);
    expect(d.activity.forgetRequests).toEqual({ pending: 0, completed: 1, failed: 1 });
    expect(d.activity.failedToRetry).toHaveLength(1);
    expect(d.activity.purges.map((p: any) => p.runs)).toEqual([1, 1]);
    expect(d.stores.map((s: any) => s.counts.emailAddresses)).toEqual([299, 300]);
  });
});

describeInChromium('Dashboard', 'GDPR dashboard in headless Chromium', () => {
  let browser: Browser;
  let danish: BrowserContext;
  let page: Page;
  let origin: string;
  const requests: string[] = [];
  const problems: string[] = [];

  const watch = (ctx: BrowserContext, p: Page) => {
    ctx.on('request', (r) => requests.push(r.url()));
    p.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  };
  const texts = (selector: string) => page.locator(selector).allInnerTexts();
  const attr = (selector: string, name: string) => page.locator(selector).evaluateAll((els, n) => els.map((e) => e.getAttribute(n as string)), name);

  beforeAll(async () => {
    requireChromium();
    mkdirSync(OUTPUT_DIR, { recursive: true });
    origin = new URL(t.url).origin;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    // A Danish browser: the page must open in Danish by itself.
    danish = await browser.newContext({ locale: 'da-DK', viewport: { width: 1360, height: 900 } });
    page = await danish.newPage();
    watch(danish, page);
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('opens /dashboard in the browser\'s language (Danish), with the demo key pre-filled, under a same-origin CSP', async () => {
    const res = await page.goto(`${origin}/dashboard`);
    expect(res!.status()).toBe(200);
    expect(res!.headers()['content-security-policy']).toBe(DASHBOARD_CSP);
    await page.locator('#dashboard-title').waitFor({ timeout: 15_000 });
    expect(await page.locator('#dashboard-title').innerText()).toBe('Nordic Outdoor ApS');
    expect(await page.evaluate('document.documentElement.lang')).toBe('da');
    expect(await texts('main h2:not(.visually-hidden)')).toEqual(['Underdatabehandlere', 'Data pr. butik', 'Aktivitet om privatliv, seneste 30 dage']);
    expect(await page.title()).toBe('GDPR-dashboard · Nordic Outdoor ApS');
  });

  it('highlights exactly the sub-processors the GraphQL answer marks in use, and marks those outside the EU/EEA', async () => {
    const d = answer.gdprDashboard;
    const ids = (ps: any[]) => ps.map((p) => p.subProcessor.id).sort();
    const shown = async (selector: string) => ((await attr(selector, 'data-id')) as string[]).sort();
    expect(await shown('.sp-table tbody tr')).toEqual(ids(d.subProcessors));
    expect(await shown('.sp-table tr.in-use')).toEqual(ids(d.subProcessors.filter((p: any) => p.inUse)));
    expect(await shown('.sp-table tr.outside-eea')).toEqual(ids(d.subProcessors.filter((p: any) => !p.subProcessor.inEea)));
    // Rows in use come first, so the ones to account for are on top.
    const classes = await page.locator('.sp-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.classList.contains('in-use')));
    expect(classes).toEqual([...classes].sort((x, y) => Number(y) - Number(x)));
    // Highlighted in colour and in words (colour alone is not enough)...
    const bg = (id: string) => page.evaluate<string>(`getComputedStyle(document.querySelector('.sp-table tr[data-id="${id}"]')).backgroundColor`);
    expect(await bg('hosting')).not.toBe(await bg('support-chat'));
    expect(await page.locator('.sp-table tr[data-id="email-delivery"] .usedby').innerText()).toBe('I brug\nNordic Outdoor DK (via E-mail)');
    expect(await page.locator('.sp-table tr[data-id="support-chat"] .usedby').innerText()).toBe('Ikke i brug');
    expect(await page.locator('.sp-table tr[data-id="support-chat"] td').nth(2).innerText()).toBe('Uden for EU/EØS\nOverførselsgrundlag: EU-US Data Privacy Framework');
    expect(await page.locator('.sp-table tr[data-id="support-chat"] td').nth(1).innerText()).toBe('USA'); // no English "United States" beside it
    // ...and the stores that need each, as the API says.
    for (const p of d.subProcessors.filter((x: any) => x.inUse)) {
      expect(await page.locator(`.sp-table tr[data-id="${p.subProcessor.id}"] .store-name`).allInnerTexts()).toEqual(p.usedBy.map((u: any) => u.store.name));
    }
  });

  it('shows per store the five data types with the API\'s counts, the regions and the collection settings', async () => {
    for (const s of answer.gdprDashboard.stores) {
      const store = page.locator(`article[data-store-id="${s.store.id}"]`);
      expect(await store.locator('h3').innerText()).toBe(s.store.name);
      const rows = await store.locator('.types-table tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-type'), tr.className, tr.querySelector('td.num')!.textContent]));
      const num = (n: number) => new Intl.NumberFormat('da-DK').format(n);
      expect(rows).toEqual([
        ['browsingHistory', s.browsingHistory ? 'held' : 'not-held', `${num(s.counts.visitors)} besøgs-ID'er`],
        ['purchasePreferences', s.purchasePreferences ? 'held' : 'not-held', `${num(s.counts.customersWithPreferences)} kunder`],
        ['emailAddress', s.emailAddress ? 'held' : 'not-held', `${num(s.counts.emailAddresses)} forskellige adresser`],
        ['orderHistory', s.orderHistory ? 'held' : 'not-held', `${num(s.counts.orders)} ordrer`],
        ['crm', s.crm ? 'held' : 'not-held', `${num(s.counts.customersWithCrm)} kunder`],
      ]);
      const facts = await store.locator('.facts').first().innerText();
      expect(facts).toContain('EU (Falkenstein, Germany)');
      expect(facts).toContain('EU (Dublin, Ireland)');
      expect(await store.locator('.facts').nth(1).innerText()).toContain(`${s.store.settings.retentionMinMonths}–${s.store.settings.retentionMaxMonths} måneder`);
    }
  });

  it('shows the last 30 days: requests by status, the failure to retry, the purges, the backups date', async () => {
    const a = answer.gdprDashboard.activity;
    expect(await attr('.status-table tbody tr[data-status]', 'data-status')).toEqual(['completed', 'failed', 'pending']);
    expect(await page.locator('.status-table tbody td.num').allInnerTexts()).toEqual(['1', '1', '0', '2']);
    expect(await attr('.retry-table tr.failed', 'data-request-id')).toEqual(a.failedToRetry.map((r: any) => r.id));
    expect(await page.locator('.retry-table tr.failed th').innerText()).toBe('Nordic Outdoor SE');
    expect(await attr('.purge-table tbody tr', 'data-store-id')).toEqual(seeded.storeIds);
    const clear = new Intl.DateTimeFormat('da-DK', { dateStyle: 'long' }).format(new Date(a.backupsClearBy));
    expect(await page.locator('#backups-clear').innerText()).toBe(`Efter ${clear} indeholder ingen backup data, der er slettet i perioden.`);
    expect(new Date(a.backupsClearBy).getTime()).toBeGreaterThan(Date.now() + 29 * DAY);
    expect(await page.locator('#tile-retry').innerText()).toContain('1');
  });

  it('passes WCAG AA contrast, gives every table a caption and column headers, and nests headings in order', async () => {
    expect(await page.evaluate(CONTRAST_FAILURES)).toEqual([]);
    const tables = await page.locator('table').evaluateAll((ts) => ts.map((tb) => ({ caption: !!tb.querySelector('caption')?.textContent, scoped: [...tb.querySelectorAll('th')].every((th) => th.getAttribute('scope') === 'col' || th.getAttribute('scope') === 'row') })));
    expect(tables.length).toBeGreaterThanOrEqual(6);
    expect(tables.every((x) => x.caption && x.scoped)).toBe(true);
    const levels: number[] = await page.locator('h1, h2, h3, h4').evaluateAll((hs) => hs.map((h) => Number(h.tagName[1])));
    expect(levels[0]).toBe(1);
    for (let i = 1; i < levels.length; i++) expect(levels[i] - levels[i - 1]).toBeLessThanOrEqual(1);
    await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard-da.png'), fullPage: true });
  });

  it('switches to English from the keyboard, every label with it', async () => {
    await page.goto(`${origin}/dashboard`);
    await page.locator('#dashboard-title').waitFor({ timeout: 15_000 });
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.className')).toBe('skip-link');
    for (let i = 0; i < 6 && (await page.evaluate('document.activeElement.id')) !== 'lang-en'; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.id')).toBe('lang-en');
    await page.keyboard.press('Enter');
    await eventually(async () => expect(await page.evaluate('document.documentElement.lang')).toBe('en'));
    expect(await page.evaluate('document.activeElement.id')).toBe('lang-en'); // focus stays put
    expect(await attr('#lang-en', 'aria-pressed')).toEqual(['true']);
    expect(await texts('main h2:not(.visually-hidden)')).toEqual(['Sub-processors', 'Data held per store', 'Privacy activity, last 30 days']);
    expect(await page.locator('.sp-table tr[data-id="email-delivery"] .usedby').innerText()).toBe('In use\nNordic Outdoor DK (via E-mail)');
    expect(new URL(page.url()).searchParams.get('lang')).toBe('en');
    expect(await page.locator('.skip-link').innerText()).toBe('Skip to content');
    // No Danish label left behind: every visible text differs from what it was, or is data.
    expect(await page.locator('main').innerText()).not.toMatch(/Underdatabehandler|Butikker|Sletteanmodning|Indsamles|måneder/);
    expect(await page.evaluate(CONTRAST_FAILURES)).toEqual([]);
    await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard-en.png'), fullPage: true });
  });

  it('prints as one document: no controls, every section, highlighted rows kept', async () => {
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.topbar').isVisible()).toBe(false);
    expect(await page.locator('.keybar').isVisible()).toBe(false);
    expect(await page.locator('#sub-processors').isVisible()).toBe(true);
    expect(await page.locator('#activity').isVisible()).toBe(true);
    const bg = (id: string) => page.evaluate<string>(`getComputedStyle(document.querySelector('.sp-table tr[data-id="${id}"]')).backgroundColor`);
    expect(await bg('hosting')).not.toBe(await bg('support-chat'));
    await page.setViewportSize({ width: 794, height: 1123 }); // A4 at 96 dpi
    await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard-print.png'), fullPage: true });
    await page.emulateMedia({ media: 'screen' });
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  it('takes another key pasted once, refuses a wrong one in words, and shows a PROFILES_READ key the same dashboard', async () => {
    await page.locator('#change-key').click();
    const input = page.locator('#key-input');
    expect(await input.inputValue()).toBe('');
    expect(await page.evaluate('document.activeElement.id')).toBe('key-input');
    await input.fill('not-a-key-at-all-0000000000');
    await page.keyboard.press('Enter');
    await eventually(async () => expect(await page.locator('[role="alert"]').innerText()).toBe('The gateway did not accept this key. Check that it is complete and not revoked.'));
    expect(await input.inputValue()).toBe(''); // not left in the field either
    await input.fill(analystKey);
    await page.keyboard.press('Enter');
    await page.locator('#dashboard-title').waitFor();
    expect(((await attr('.sp-table tr.in-use', 'data-id')) as string[]).sort()).toEqual(answer.gdprDashboard.subProcessors.filter((p: any) => p.inUse).map((p: any) => p.subProcessor.id).sort());
    expect(await attr('.retry-table tr.failed', 'data-request-id')).toEqual(answer.gdprDashboard.activity.failedToRetry.map((r: any) => r.id));
  });

  it('keeps no key in the browser\'s storage, cookies, address or history', async () => {
    await page.reload();
    await page.locator('#dashboard-title').waitFor({ timeout: 15_000 }); // demo key again: the analyst key is gone
    const stored = JSON.stringify({
      state: await danish.storageState(),
      session: await page.evaluate('JSON.stringify({ ...sessionStorage })'),
      local: await page.evaluate('JSON.stringify({ ...localStorage })'),
      cookie: await page.evaluate('document.cookie'),
      url: page.url(),
      history: await page.evaluate('JSON.stringify(history.state)'),
    });
    expect(stored).not.toContain(seeded.key);
    expect(stored).not.toContain(analystKey);
    expect(await page.evaluate('localStorage.length + sessionStorage.length')).toBe(0);
  });

  it('opens in English for an English browser', async () => {
    const english = await browser.newContext({ locale: 'en-US', viewport: { width: 1360, height: 900 } });
    const p = await english.newPage();
    watch(english, p);
    await p.goto(`${origin}/dashboard`);
    await p.locator('#dashboard-title').waitFor({ timeout: 15_000 });
    expect(await p.evaluate('document.documentElement.lang')).toBe('en');
    expect(await p.locator('main h2:not(.visually-hidden)').first().innerText()).toBe('Sub-processors');
    await english.close();
  });

  it('made every request to the gateway\'s own origin, without a CSP violation or a script error', async () => {
    expect(requests.length).toBeGreaterThanOrEqual(12);
    expect(requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
    expect(requests).toContain(`${origin}/dashboard/dashboard.js`);
    expect(requests).toContain(`${origin}/graphql`);
    expect(problems.filter((p) => !p.includes('401'))).toEqual([]); // the wrong key's 401 is logged by Chromium
  });

  it('is kept from reaching any other origin by its CSP', async () => {
    const blocked = await fetchAnotherOrigin(page);
    expect(blocked).toEqual({ fetched: 'refused', violation: 'connect-src http://example.invalid/x' });
    expect(requests.some((u) => u.includes('example.invalid'))).toBe(false);
  });
});

describeInChromium('Dashboard', 'the way to the dashboard', () => {
  it('is a link in the playground\'s page that opens it', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ locale: 'en-GB' });
      await page.goto(t.url);
      await page.getByRole('link', { name: 'GDPR dashboard' }).click();
      await page.locator('#dashboard-title').waitFor({ timeout: 15_000 });
      expect(new URL(page.url()).pathname).toBe('/dashboard');
      expect(await page.locator('#dashboard-title').innerText()).toBe('Nordic Outdoor ApS');
    } finally {
      await browser.close();
    }
  }, 30_000);
});

describeInChromium('Dashboard', 'hostile values on the dashboard', () => {
  it('shows a store named with markup as text, runs none of it, and ignores an unknown ?lang', async () => {
    const evil = '<img src="/evil.png" onerror="window.__pwned=1">';
    const { createCompany } = ok(await t.gql(t.adminKey, 'mutation($n:String!){ createCompany(name:$n){ id } }', { n: `${evil} ApS` }));
    ok(await t.gql(t.adminKey, 'mutation($c:ID!,$n:String!){ createStore(companyId:$c, name:$n){ id } }', { c: createCompany.id, n: evil }));
    const key = await createKey(t, t.adminKey, createCompany.id, ['PROFILES_READ']);
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ locale: 'en-GB' });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`${new URL(t.url).origin}/dashboard?lang=%3Cscript%3E`);
      await page.locator('#dashboard-title').waitFor({ timeout: 15_000 }); // the demo key's company first
      await page.locator('#change-key').click();
      await page.locator('#key-input').fill(key);
      await page.keyboard.press('Enter');
      await eventually(async () => expect(await page.locator('#dashboard-title').innerText()).toBe(`${evil} ApS`));
      expect(await page.locator('article.store h3').allInnerTexts()).toEqual([evil]);
      expect(await page.evaluate('document.documentElement.lang')).toBe('en');
      expect(await page.locator('main img').count()).toBe(0);
      expect(await page.evaluate('window.__pwned')).toBeUndefined();
      expect(requests.filter((u) => u.includes('evil'))).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 30_000);
});

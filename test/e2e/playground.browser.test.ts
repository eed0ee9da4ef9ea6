import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema, isObjectType, Kind, parse, print, visit, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PLAYGROUND_CSP, type PlaygroundExample } from '../../src/http/playground';
import { DEMO_SUBJECT, demoPlaygroundExamples } from '../../src/http/playground-examples';
import { seedDemo } from '../../src/services/demo/demo-seed.service';
import { createKey } from '../support/fixtures';
import { GqlResult, startTestGateway, TestGateway } from '../support/gateway';
import { CHROMIUM, CHROMIUM_ARGS, describeInChromium, eventually, fetchAnotherOrigin, OUTPUT_DIR, requireChromium } from '../support/chromium';

/**
 * The analysts' playground: every example tab runs against the demo data (with the demo key,
 * and with an analyst key that lacks PERSONAL_DATA_READ), and GraphiQL works in a real,
 * headless Chromium while loading nothing from anywhere but the gateway.
 */


/** Fields the schema marks as personal ("Personal: needs PERSONAL_DATA_READ"), as `Type.field`. */
const PERSONAL_FIELDS = (() => {
  const schema = buildSchema(readFileSync(join(__dirname, '..', '..', 'schema.graphql'), 'utf8'));
  const found = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const f of Object.values(type.getFields())) if (f.description?.includes('needs PERSONAL_DATA_READ')) found.add(`${type.name}.${f.name}`);
  }
  return found;
})();

/** Examples whose root field needs a scope an analyst key lacks: the answer is one FORBIDDEN. */
const WHOLLY_GATED: Record<string, string> = { PrivacyReport: 'PERSONAL_DATA_READ', ForgetLedger: 'FORGET', ForgetCustomer: 'FORGET', MonthlyForgetLedger: 'FORGET' };

/** The first list in an answer, depth first in field order, as flat rows of CSV cells (written apart from analyst.js). */
function expectedCsvRows(data: unknown): { header: string[]; rows: string[][] } {
  const find = (v: unknown): unknown[] | null => {
    if (Array.isArray(v)) return v;
    if (v && typeof v === 'object') for (const x of Object.values(v)) { const f = find(x); if (f) return f; }
    return null;
  };
  const flat = (v: unknown, prefix: string, row: Map<string, unknown>) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) flat(x, prefix ? `${prefix}.${k}` : k, row);
    else row.set(prefix, v);
    return row;
  };
  const rows = find(data)!.map((item) => flat(item, '', new Map()));
  const header = [...new Set(rows.flatMap((r) => [...r.keys()]))];
  const text = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return { header, rows: rows.map((r) => header.map((h) => text(r.get(h)))) };
}

/** RFC 4180, as a spreadsheet reads it. */
function parseCsv(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i];
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && csv[i + 1] === '\n') {
      row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    } else cell += c;
  }
  return rows;
}

const operationOf = (ex: PlaygroundExample) => parse(ex.query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;

/** The example's query with `__typename` in every selection, so an answer shows each object's type. */
function withTypenames(query: string): string {
  const typename: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };
  return print(visit(parse(query), { SelectionSet: (node) => ({ ...node, selections: [...node.selections, typename] }) }));
}

/** Every path in a (typename-annotated) answer that holds a personal field, as `a.0.b`. */
function personalPaths(value: unknown, path: (string | number)[] = [], out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v, i) => personalPaths(v, [...path, i], out));
  else if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) {
      if (PERSONAL_FIELDS.has(`${obj.__typename}.${k}`)) out.push([...path, k].join('.'));
      else personalPaths(v, [...path, k], out);
    }
  }
  return out;
}

/** A copy of an answer with the values at these paths set to null. */
function withheld<T>(data: T, paths: string[]): T {
  const copy = structuredClone(data) as Record<string, any>;
  for (const p of paths) {
    const keys = p.split('.');
    const parent = keys.slice(0, -1).reduce((o, k) => o[k], copy);
    parent[keys[keys.length - 1]] = null;
  }
  return copy as T;
}


let t: TestGateway;
let seeded: { key: string; storeIds: string[] } | null = null;
let examples: PlaygroundExample[];
let analystKey: string;

beforeAll(async () => {
  // The playground wired as `npm start` wires it in demo mode.
  t = await startTestGateway('sqlite', {}, {
    demoKey: () => seeded?.key ?? null,
    examples: async () => demoPlaygroundExamples(seeded?.storeIds[0] ?? null),
  });
  seeded = await seedDemo(t.gateway.services);
  examples = demoPlaygroundExamples(seeded!.storeIds[0]);
  const { viewer } = (await t.gql(seeded!.key, '{ viewer { company { id } } }')).data!;
  analystKey = await createKey(t, seeded!.key, viewer.company.id, ['PROFILES_READ']);
});
afterAll(() => t?.close());

describe('playground examples on the demo data', () => {
  it('has the tabs the analysts asked for, each named by its operation', () => {
    expect(examples.map((ex) => operationOf(ex).name?.value)).toEqual([
      'Profile', 'CustomersPage', 'VisitorLog', 'Orders', 'PrivacyReport', 'GdprDashboard', 'ForgetLedger', 'ForgetCustomer',
      'DailyStats', 'TopProducts', 'OrdersInRange', 'MonthlyForgetLedger', 'CompanyAndStores',
    ]);
    // The forget tab is a dry run unless someone changes the variables on purpose.
    const forget = examples.find((ex) => operationOf(ex).name?.value === 'ForgetCustomer')!;
    expect(forget.variables?.dryRun).toBe(true);
    expect(forget.query).toMatch(/DESTRUCTIVE/);
    expect(forget.query).toMatch(/\$dryRun: Boolean = true/);
  });

  it('runs every example with the demo key, without errors and with the demo person in it', async () => {
    const answers: Record<string, GqlResult> = {};
    for (const ex of examples) {
      const r = await t.gql(seeded!.key, ex.query, ex.variables);
      expect({ example: ex.title, errors: r.errors }).toEqual({ example: ex.title, errors: undefined });
      answers[operationOf(ex).name!.value] = r;
    }
    expect(answers.Profile.data!.customer.orders.totalCount).toBe(3);
    expect(answers.VisitorLog.data!.visitor).toMatchObject({ id: DEMO_SUBJECT.visitorId, customer: { id: answers.Profile.data!.customer.id } });
    expect(answers.VisitorLog.data!.visitor.log.edges.length).toBeGreaterThan(0);
    const report = answers.PrivacyReport.data!.privacyReport.stores.find((s: any) => s.customers.length);
    expect(report.customers[0].email).toBe(DEMO_SUBJECT.email);
    expect(report.orders).toHaveLength(3);
    expect(answers.GdprDashboard.data!.company.gdprDashboard.stores).toHaveLength(2);
    expect(answers.GdprDashboard.data!.company.gdprDashboard.stores[0]).toMatchObject({ emailAddress: true, orderHistory: true, browsingHistory: true });
    expect(answers.ForgetCustomer.data!.forgetCustomer.requests).toEqual([expect.objectContaining({ status: 'DRY_RUN', customersDeleted: 1, ordersAnonymized: 3 })]);
    // The dry run changed nothing: the profile is as it was, the ledger still empty.
    expect((await t.gql(seeded!.key, examples[0].query, examples[0].variables)).data).toEqual(answers.Profile.data);
    expect((await t.gql(seeded!.key, '{ forgetRequests { totalCount } }')).data).toEqual({ forgetRequests: { totalCount: 0 } });
  });

  it('runs every example with an analyst key (PROFILES_READ only): personal fields withheld, the rest answered', async () => {
    expect([...PERSONAL_FIELDS].sort()).toEqual(['Customer.crm', 'Customer.email', 'Customer.name', 'Order.email', 'Visitor.log']);
    for (const ex of examples) {
      const name = operationOf(ex).name!.value;
      const query = withTypenames(ex.query);
      const analyst = await t.gql(analystKey, query, ex.variables);
      expect(analyst.status).toBe(200);
      for (const e of analyst.errors ?? []) expect({ example: name, code: e.extensions?.code }).toEqual({ example: name, code: 'FORBIDDEN' });
      if (WHOLLY_GATED[name]) {
        // A root field the key may not call: one FORBIDDEN that names the missing scope.
        const root = (operationOf(ex).selectionSet.selections[0] as FieldNode).name.value;
        expect(analyst.data ?? null).toBeNull();
        expect(analyst.errors).toEqual([expect.objectContaining({ path: [root], message: expect.stringContaining(WHOLLY_GATED[name]) })]);
        continue;
      }
      const full = await t.gql(seeded!.key, query, ex.variables);
      expect(full.errors).toBeUndefined();
      // Data present: every root field answered...
      expect(analyst.data).toBeTruthy();
      for (const [field, v] of Object.entries(analyst.data!)) expect({ example: name, field, answered: v !== null }).toEqual({ example: name, field, answered: true });
      // ...a FORBIDDEN error at exactly the personal fields of the full answer...
      const errorPaths = (analyst.errors ?? []).map((e) => e.path!.join('.')).sort();
      expect({ example: name, errorPaths }).toEqual({ example: name, errorPaths: personalPaths(full.data).sort() });
      // ...and everything else exactly as the demo key sees it (but for who is calling).
      const { viewer: _a, ...analystRest } = analyst.data!;
      const { viewer: _f, ...fullRest } = withheld(full.data!, errorPaths);
      expect({ example: name, data: analystRest }).toEqual({ example: name, data: fullRest });
    }
  });
});

describeInChromium('Playground', 'playground in headless Chromium', () => {
  let userDataDir: string;
  let browser: BrowserContext;
  let page: Page;
  let origin: string;
  const requests: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    requireChromium();
    mkdirSync(OUTPUT_DIR, { recursive: true });
    origin = new URL(t.url).origin;
    userDataDir = mkdtempSync(join(tmpdir(), 'pgw-chromium-'));
    browser = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1400, height: 900 } });
    browser.on('request', (r) => requests.push(r.url()));
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  /** The full text of one of GraphiQL's CodeMirror editors (the visible part may be scrolled). */
  const editorText = (selector: string) => page.locator(selector).first().evaluate((el) => (el as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());

  it('opens /graphql with one tab per example, the demo key in the headers, under a same-origin CSP', async () => {
    const res = await page.goto(t.url);
    expect(res!.status()).toBe(200);
    expect(res!.headers()['content-security-policy']).toBe(PLAYGROUND_CSP);
    const tabs = page.locator('.graphiql-tab-button');
    await eventually(async () => expect(await tabs.count()).toBe(examples.length), 15_000);
    expect((await tabs.allInnerTexts()).map((s) => s.trim())).toEqual(examples.map((ex) => operationOf(ex).name!.value));
    expect(await editorText('.graphiql-query-editor .CodeMirror')).toBe(examples[0].query);
    expect(JSON.parse(await editorText('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror'))).toEqual(examples[0].variables);
    expect(JSON.parse(await editorText('.graphiql-editor-tool .graphiql-editor.hidden .CodeMirror'))).toEqual({ Authorization: `Bearer ${seeded!.key}` });
  });

  it('runs the profile example and shows the customer\'s orders in the result pane', async () => {
    await execute();
    const result = page.locator('.result-window');
    await eventually(async () => expect(await result.innerText()).toContain('"orders"'));
    const shown = await result.innerText();
    const answer = JSON.parse(await editorText('.result-window .CodeMirror'));
    expect(answer.errors).toBeUndefined();
    expect(answer.data.customer.email).toBe(DEMO_SUBJECT.email);
    expect(answer.data.customer.orders.totalCount).toBe(3);
    const orderIds: string[] = answer.data.customer.orders.edges.map((e: any) => e.node.id);
    expect(orderIds).toHaveLength(3);
    expect(shown).toContain(`"${orderIds[0]}"`); // on screen, not only in the editor's model
    await page.screenshot({ path: join(OUTPUT_DIR, 'playground-profile.png') });
  });

  it('has the schema documentation and the history of runs', async () => {
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByText('Query', { exact: true }).click();
    await eventually(async () => expect(await docs.innerText()).toContain('privacyReport'));
    await docs.getByText('customer', { exact: true }).first().click();
    await eventually(async () => expect(await docs.innerText()).toContain('A profile by customer ID or e-mail address'));
    await page.screenshot({ path: join(OUTPUT_DIR, 'playground-docs.png') });
    await page.getByRole('button', { name: 'Show History' }).click();
    await eventually(async () => expect(await page.locator('.graphiql-history-item').allInnerTexts()).toEqual(['Profile']));
  });

  it('takes an analyst key pasted once, in every tab, and shows personal fields withheld, not an error page', async () => {
    await page.getByRole('button', { name: 'Headers' }).click();
    const headers = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
    await headers.click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${analystKey}` }));
    // Another tab, whose headers were never edited, runs with the key just pasted.
    await page.locator('.graphiql-tab-button', { hasText: 'CustomersPage' }).click();
    await eventually(async () => expect(JSON.parse(await editorText('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror'))).toEqual({ Authorization: `Bearer ${analystKey}` }));
    await execute();
    await eventually(async () => expect(await page.locator('.result-window').innerText()).toContain('FORBIDDEN'));
    const answer = JSON.parse(await editorText('.result-window .CodeMirror'));
    expect(answer.data.customers.totalCount).toBe(300);
    expect(answer.data.customers.edges).toHaveLength(20);
    expect(answer.data.customers.edges.every((e: any) => e.node.email === null && e.node.id)).toBe(true);
    expect(new Set(answer.errors.map((e: any) => `${e.extensions.code} ${e.path.at(-1)}`))).toEqual(new Set(['FORBIDDEN email']));
    await page.screenshot({ path: join(OUTPUT_DIR, 'playground-analyst.png') });
  });

  /**
   * Presses Run at once, as a user would right after switching tabs: no edit, no wait. (GraphiQL
   * re-reads the operation name 100 ms after the query editor changes; init.js sends the name of
   * the query shown, not a stale one.)
   */
  async function execute() {
    await page.locator('.graphiql-execute-button').click();
  }

  /** Runs one example tab (by operation name) with the headers in place, and returns the answer shown. */
  async function runTab(name: string, expectInResult: string) {
    await page.locator('.graphiql-tab-button', { hasText: new RegExp(`^\\s*${name}\\s*$`) }).click();
    await eventually(async () => expect(await editorText('.graphiql-query-editor .CodeMirror')).toContain(`query ${name}(`));
    await execute();
    await eventually(async () => expect(await editorText('.result-window .CodeMirror')).toContain(expectInResult));
    return JSON.parse(await editorText('.result-window .CodeMirror'));
  }

  async function downloadCsv(file: string): Promise<string[][]> {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#analyst-csv').click()]);
    expect(download.suggestedFilename()).toBe('result.csv');
    await download.saveAs(join(OUTPUT_DIR, file));
    return parseCsv(readFileSync(join(OUTPUT_DIR, file), 'utf8'));
  }

  it('charts daily stats of the demo data for the analyst key: orders and revenue per day', async () => {
    const answer = await runTab('DailyStats', '"buckets"');
    expect(answer.errors).toBeUndefined();
    const buckets = answer.data.storeStats.buckets;
    expect(buckets).toHaveLength(90);
    const orders = buckets.reduce((n: number, b: { orders: number }) => n + b.orders, 0);
    expect(orders).toBeGreaterThan(90); // a meaningful chart: several orders a day
    await page.locator('#analyst-chart-toggle').click();
    const chart = page.locator('#analyst-chart');
    await eventually(async () => expect(await chart.getAttribute('data-buckets')).toBe('90'));
    expect(await chart.getAttribute('data-orders')).toBe(String(orders));
    expect(await chart.getAttribute('data-series')).toBe('Orders|Revenue DKK');
    expect(await chart.locator('.uplot canvas').count()).toBe(1);
    const box = await chart.locator('.uplot canvas').boundingBox();
    expect(box!.width).toBeGreaterThan(400);
    expect(await chart.locator('.u-legend').innerText()).toContain('Revenue DKK');
    await page.screenshot({ path: join(OUTPUT_DIR, 'playground-chart.png') });
    const csv = await downloadCsv('daily-stats.csv');
    const expected = expectedCsvRows(answer.data);
    expect(csv[0]).toEqual(expected.header);
    expect(csv[0]).toEqual(['start', 'orders', 'customers', 'revenue', 'visitors', 'events.pageViews', 'events.contentViews', 'events.clicks']);
    expect(csv.slice(1)).toEqual(expected.rows);
  });

  it('exports the first list of any result as CSV, a withheld personal field left empty', async () => {
    const answer = await runTab('OrdersInRange', '"totalAmount"');
    expect(new Set(answer.errors.map((e: any) => `${e.extensions.code} ${e.path.at(-1)}`))).toEqual(new Set(['FORBIDDEN email']));
    const csv = await downloadCsv('orders-in-range.csv');
    const expected = expectedCsvRows(answer.data);
    expect(csv[0]).toEqual(expected.header);
    expect(csv.slice(1)).toEqual(expected.rows);
    expect(csv.length - 1).toBe(answer.data.orders.edges.length);
    const email = csv[0].indexOf('node.email');
    expect(email).toBeGreaterThan(-1);
    expect(csv.slice(1).every((r) => r[email] === '')).toBe(true);
    expect(csv.slice(1).every((r) => /^\d+\.\d\d$/.test(r[csv[0].indexOf('node.totalAmount')]))).toBe(true);
    // The chart follows the last storeStats answer: none here, so it says what to run.
    await eventually(async () => expect(await page.locator('#analyst-chart').innerText()).toContain('DailyStats'));
    await page.locator('#analyst-chart-toggle').click();
  });

  it('runs the shown query when Run is pressed right after a tab switch, in every tab', async () => {
    const sent: { operationName?: string; query: string }[] = [];
    for (const ex of examples) {
      const name = operationOf(ex).name!.value;
      await page.locator('.graphiql-tab-button', { hasText: new RegExp(`^\\s*${name}\\s*$`) }).click();
      await eventually(async () => expect(await editorText('.graphiql-query-editor .CodeMirror')).toBe(ex.query));
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/graphql' && r.request().postDataJSON()?.operationName !== 'IntrospectionQuery'),
        execute(),
      ]);
      const body = response.request().postDataJSON();
      sent.push({ operationName: body.operationName, query: body.query });
      const answer = await response.json();
      const codes = (answer.errors ?? []).map((e: { extensions?: { code?: string } }) => e.extensions?.code);
      // The analyst key is in the headers: FORBIDDEN where it lacks a scope, never a name mix-up.
      expect({ tab: name, status: response.status(), codes: codes.filter((c: string) => c !== 'FORBIDDEN') }).toEqual({ tab: name, status: 200, codes: [] });
      expect({ tab: name, answered: answer.data != null }).toEqual({ tab: name, answered: !WHOLLY_GATED[name] });
    }
    expect(sent).toEqual(examples.map((ex) => ({ operationName: operationOf(ex).name!.value, query: ex.query })));
    // The history names each run by the operation it ran (newest first), not by the tab before.
    await eventually(async () => expect((await page.locator('.graphiql-history-item').allInnerTexts()).slice(0, examples.length)).toEqual(examples.map((ex) => operationOf(ex).name!.value).reverse()));
  });

  it('runs an operation renamed in the editor when Run is pressed at once', async () => {
    const last = examples.at(-1)!;
    const name = operationOf(last).name!.value;
    const renamed = last.query.replace(`query ${name}`, 'query Renamed');
    expect(renamed).not.toBe(last.query);
    await page.locator('.graphiql-query-editor .CodeMirror').first().evaluate((el, q) => (el as unknown as { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(q), renamed);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/graphql' && r.request().postDataJSON()?.operationName !== 'IntrospectionQuery'),
      execute(),
    ]);
    expect({ status: response.status(), operationName: response.request().postDataJSON().operationName }).toEqual({ status: 200, operationName: 'Renamed' });
    expect((await response.json()).errors).toBeUndefined();
  });

  it('keeps no API key in the browser\'s storage', async () => {
    await page.waitForTimeout(700); // GraphiQL writes its tabs half a second after a change
    const stored = await page.evaluate<string>('JSON.stringify({ ...localStorage })');
    expect(stored).toContain('CustomersPage'); // tabs and history are kept...
    expect(stored).not.toContain(seeded!.key); // ...without the keys
    expect(stored).not.toContain(analystKey);
  });

  it('made every request to the gateway\'s own origin, without a CSP violation or a script error', async () => {
    expect(requests.length).toBeGreaterThanOrEqual(8); // page, 6 files, introspection, the queries
    expect(requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
    expect(requests).toContain(`${origin}/playground/init.js`);
    expect(problems).toEqual([]);
  });

  it('is kept from reaching any other origin by its CSP', async () => {
    const blocked = await fetchAnotherOrigin(page);
    expect(blocked).toEqual({ fetched: 'refused', violation: 'connect-src http://example.invalid/x' });
    expect(requests.some((u) => u.includes('example.invalid'))).toBe(false);
  });
});

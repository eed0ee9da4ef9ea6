import { addMonths } from '../../src/services/retention/retention-rule';
import { createKey, createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';
import { codes, ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';

/**
 * The Art. 15 content of the data-access report (purposes, recipients, retention, source) and
 * its `html` rendering, over HTTP on both engines. The person's values are hostile on purpose:
 * every one must come out of the HTML as text, never as markup.
 */

const EMAIL = 'noor.haddad@example.com';
const CUSTOMER_ID = 'cust-"noor"&<i>';
const HOSTILE_NAME = '<img src=x onerror=alert(1)>';
const HOSTILE_CITY = `"Quoted" & 'apostrophed' <city>`;
const HOSTILE_URL = 'javascript:alert("x")//<script>alert(1)</script>';
const STORE_NAME = 'Bøger & "Blade" <b>ApS</b>';
const DAY = 86_400_000;

const REPORT = `query($q:String!,$s:ID){ privacyReport(idOrEmail:$q, storeId:$s){ generatedAt
  stores { store { id name } dataCategories visitors { id retentionMonths retainedUntil }
    purposes { id description dataCategories subProcessorIds }
    recipients { id name legalEntity country location inEea transferMechanism purpose }
    retention { rule minMonths maxMonths visitors { visitorId retentionMonths retainedUntil } otherData backups }
    sources { kind records description } }
  json html } }`;

/** Noon UTC `daysAgo` days before today: whole visit days, stable whatever time the test runs. */
const daysAgo = (n: number) => {
  const d = new Date();
  d.setUTCHours(12, 0, 0, 0);
  return new Date(d.getTime() - n * DAY);
};

/**
 * A strict check that the document is well-formed: every element closed in order (void
 * elements aside), attributes quoted, no stray '<' or '&' in text. The renderer writes XHTML-clean
 * markup, so anything this rejects is a bug (an unescaped value shows up here first).
 */
const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);
function wellFormed(doc: string): string[] {
  const problems: string[] = [];
  const body = doc.replace(/^<!DOCTYPE html>\s*/, '');
  const stack: string[] = [];
  const token = /<(\/?)([a-z][a-z0-9]*)((?:\s+[a-z-]+(?:="[^"<>]*")?)*)\s*>|<|&(?![a-z]+;|#\d+;)/g;
  let m: RegExpExecArray | null;
  while ((m = token.exec(body))) {
    if (m[0] === '<') problems.push(`stray '<' at ${m.index}`);
    else if (m[0] === '&') problems.push(`stray '&' at ${m.index}`);
    else if (m[1]) {
      const open = stack.pop();
      if (open !== m[2]) problems.push(`</${m[2]}> closes <${open}> at ${m.index}`);
    } else if (!VOID.has(m[2])) stack.push(m[2]);
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(' ')}`);
  return problems;
}

/** The markup's tags (text is escaped, so every raw '<' opens a real tag). */
const tags = (doc: string) => [...doc.matchAll(/<[a-z!/][^>]*>/gi)].map((m) => m[0]);

/** Attributes, inside tags, that can load or link to something or run code. */
const linkingAttributes = (doc: string) =>
  tags(doc).flatMap((tag) => [...tag.matchAll(/\s(src|href|srcset|action|formaction|poster|data|background|xlink:href|style|on[a-z]+)\s*=/gi)].map((m) => `${tag}: ${m[1]}`));

/** Text content of the document with entities decoded, to find values exactly as given. */
const textOf = (doc: string) =>
  doc.replace(/<[^>]*>/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');

describe.each(ENGINES)('privacy report: Art. 15 content and html [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let other: Tenant;
  let shop: string;
  let plain: string;
  const visits = [10, 9, 5, 3].map(daysAgo);

  beforeAll(async () => {
    t = await startTestGateway(engine);
    // "Art15 store 1" keeps the defaults (no e-mail collection; recommendations and search).
    a = await createTenant(t, 'Art15', 1, false);
    other = await createTenant(t, 'Elsewhere');
    plain = a.storeIds[0];
    // The person's store also uses e-mail and chat (two more recipients, one outside the EEA), under a hostile name.
    const renamed = ok(await t.gql(t.adminKey, 'mutation($c:ID!,$n:String!){ createStore(companyId:$c, name:$n, settings:{collectEmails:true, products:["recommendations","email","chat"]}){ id } }', { c: a.companyId, n: STORE_NAME }));
    shop = renamed.createStore.id;
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: shop, c: [{ id: CUSTOMER_ID, email: EMAIL, name: HOSTILE_NAME, city: HOSTILE_CITY, age: 41, attributes: { '<tier>': '"gold" & <script>x</script>' } }] }));
    // Four visit days, ten minutes spent: 1 + 2 (2-3 doublings of days) + 2 (5 → 10 minutes) = 5 months.
    ok(await t.gql(a.key, TRACK_EVENTS, { s: shop, e: [
      ...visits.map((at, i) => ({ visitorId: 'vis-noor-1', customerId: CUSTOMER_ID, type: i === 1 ? 'CLICK' : 'PAGE_VIEW', url: i === 0 ? HOSTILE_URL : `https://shop.example/p/${i}?a=1&b=2`, productId: `p${i}`, occurredAt: at.toISOString(), durationSeconds: 150 })),
      { visitorId: 'vis-noor-2', type: 'CONTENT_VIEW', contentId: 'reco-<7>', occurredAt: daysAgo(2).toISOString() },
    ] }));
    ok(await t.gql(a.key, UPSERT_ORDERS, { s: shop, o: [
      { id: 'ord-noor-1', customerId: CUSTOMER_ID, email: EMAIL, visitorId: 'vis-noor-2', createdAt: daysAgo(2).toISOString(), currency: 'DKK', lines: [{ productId: 'p<1>', quantity: 2, unitPrice: 149.5 }] },
    ] }));
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: shop, c: [{ id: 'cust-other', email: 'other.person@example.com', name: 'Other Person' }] }));
  });
  afterAll(() => t?.close());

  const report = async (q: string, s?: string) => ok(await t.gql(a.key, REPORT, { q, s: s ?? null })).privacyReport;
  const storeOf = (r: any, id: string) => r.stores.find((x: { store: { id: string } }) => x.store.id === id);

  it('names the recipients the dashboard shows in use for the store, with where they process and the transfer mechanism', async () => {
    const r = storeOf(await report(EMAIL), shop);
    const dash = ok(await t.gql(a.key, '{ company { gdprDashboard { subProcessors { subProcessor { id } usedBy { store { id } } } } } }'));
    const usedHere = dash.company.gdprDashboard.subProcessors
      .filter((p: { usedBy: { store: { id: string } }[] }) => p.usedBy.some((u) => u.store.id === shop))
      .map((p: { subProcessor: { id: string } }) => p.subProcessor.id);
    expect(r.recipients.map((x: { id: string }) => x.id)).toEqual(usedHere);
    expect(usedHere).toEqual(['backup', 'email-delivery', 'hosting', 'support-chat']);
    expect(r.recipients[3]).toEqual({
      id: 'support-chat', name: 'Intercom', legalEntity: 'Intercom R&D Unlimited Company', country: 'US', location: 'United States',
      inEea: false, transferMechanism: 'EU-US Data Privacy Framework', purpose: 'Chat widget of the chat product',
    });
    const defaults = storeOf(await report(EMAIL), plain);
    expect(defaults.recipients.map((x: { id: string }) => x.id)).toEqual(['backup', 'hosting']);
  });

  it('states the purposes from the store\'s products and collection settings', async () => {
    const r = storeOf(await report(EMAIL), shop);
    expect(r.purposes.map((p: { id: string; dataCategories: string[]; subProcessorIds: string[] }) => [p.id, p.dataCategories, p.subProcessorIds])).toEqual([
      ['chat', ['browsingHistory', 'emailAddress'], ['support-chat']],
      ['email', ['emailAddress', 'purchasePreferences', 'crm'], ['email-delivery']],
      ['recommendations', ['browsingHistory', 'purchasePreferences', 'orderHistory'], []],
      ['service', ['emailAddress', 'crm', 'orderHistory', 'browsingHistory', 'purchasePreferences'], ['backup', 'hosting']],
    ]);
    expect(r.purposes[0].description).toMatch(/chat/);
    // The second store collects no e-mail addresses (the default): no purpose of it lists them.
    const defaults = storeOf(await report(EMAIL), plain);
    expect(defaults.purposes.map((p: { id: string; dataCategories: string[] }) => [p.id, p.dataCategories])).toEqual([
      ['recommendations', ['browsingHistory', 'purchasePreferences', 'orderHistory']],
      ['search', ['browsingHistory', 'purchasePreferences']],
      ['service', ['crm', 'orderHistory', 'browsingHistory', 'purchasePreferences']],
    ]);
  });

  it('gives each visitor ID the retention the rule gives it, as the visitor page does', async () => {
    const r = storeOf(await report(EMAIL), shop);
    const last = visits[visits.length - 1];
    const byId = (x: { visitorId: string }, y: { visitorId: string }) => x.visitorId.localeCompare(y.visitorId);
    expect([...r.retention.visitors].sort(byId)).toEqual([
      { visitorId: 'vis-noor-1', retentionMonths: 5, retainedUntil: addMonths(last, 5).toISOString() },
      { visitorId: 'vis-noor-2', retentionMonths: 1, retainedUntil: addMonths(daysAgo(2), 1).toISOString() },
    ]);
    for (const v of r.retention.visitors) {
      const page = ok(await t.gql(a.key, 'query($s:ID!,$v:ID!){ visitor(storeId:$s, id:$v){ retentionMonths retainedUntil } }', { s: shop, v: v.visitorId })).visitor;
      expect({ retentionMonths: v.retentionMonths, retainedUntil: v.retainedUntil }).toEqual(page);
      expect(r.visitors).toContainEqual({ id: v.visitorId, ...page });
    }
    expect(r.retention).toEqual(expect.objectContaining({ minMonths: 1, maxMonths: 12 }));
    expect(r.retention.rule).toContain('between 1 and 12 months');
    expect(r.retention.backups).toContain('30 days');
  });

  it('says where each kind of record came from, only for what is held', async () => {
    const rep = await report(EMAIL);
    expect(storeOf(rep, shop).sources.map((s: { kind: string; records: number }) => [s.kind, s.records])).toEqual([
      ['customers', 1], ['orders', 1], ['visitors', 2], ['preferences', 1],
    ]);
    expect(storeOf(rep, shop).sources[2].description).toMatch(/tracking script/);
    expect(storeOf(rep, plain).sources).toEqual([]);
  });

  it('carries the same content in json, format @2, keeping the keys of @1', async () => {
    const r = await report(EMAIL, shop);
    const doc = r.json;
    expect(doc.format).toBe('privacy-gateway/data-access-report@2');
    expect(doc.generatedAt).toBe(r.generatedAt);
    const s = doc.stores[0];
    expect(Object.keys(s)).toEqual(['store', 'dataCategories', 'customers', 'orders', 'visitors', 'purposes', 'recipients', 'retention', 'sources']);
    expect(s.store).toEqual({ id: shop, name: STORE_NAME });
    expect(s.purposes).toEqual(r.stores[0].purposes);
    expect(s.recipients.map(({ dataCategories, ...x }: { dataCategories: string[] }) => x)).toEqual(r.stores[0].recipients);
    const { visitors: _v, ...retention } = r.stores[0].retention;
    expect(s.retention).toEqual(retention);
    expect(s.sources).toEqual(r.stores[0].sources);
    expect(s.visitors.map((v: Record<string, unknown>) => ({ visitorId: v.id, retentionMonths: v.retentionMonths, retainedUntil: v.retainedUntil }))).toEqual(r.stores[0].retention.visitors);
    expect(s.customers[0]).toEqual(expect.objectContaining({ id: CUSTOMER_ID, email: EMAIL, name: HOSTILE_NAME }));
  });

  it('renders the person\'s data as one self-contained, escaped, well-formed HTML document', async () => {
    const r = await report(EMAIL);
    const doc: string = r.html;
    expect(wellFormed(doc)).toEqual([]);
    expect(doc.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(doc).toMatch(/<title>Your personal data: report of \d{4}-\d\d-\d\d<\/title>/);
    expect(doc).toContain('<th scope="col">');
    expect(doc).toContain('<th scope="row">');
    // Nothing to load or follow: no linking attribute, no script, no CSS import or url().
    expect(linkingAttributes(doc)).toEqual([]);
    expect(tags(doc).filter((tag) => /^<(script|link|iframe|object|embed|img|base|form|svg|a)\b/i.test(tag))).toEqual([]);
    expect(doc).not.toMatch(/@import|url\(/i);
    expect(tags(doc).filter((tag) => /https?:|\/\//i.test(tag))).toEqual([]);
    // Every hostile value appears escaped, and only escaped.
    expect(doc).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(doc).toContain('Bøger &amp; &quot;Blade&quot; &lt;b&gt;ApS&lt;/b&gt;');
    expect(doc).toContain('&quot;Quoted&quot; &amp; &#39;apostrophed&#39; &lt;city&gt;');
    expect(doc).toContain('javascript:alert(&quot;x&quot;)//&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(doc).toContain('https://shop.example/p/2?a=1&amp;b=2');
    // The person's data, each item, as text.
    const text = textOf(doc);
    for (const value of [STORE_NAME, CUSTOMER_ID, EMAIL, HOSTILE_NAME, HOSTILE_CITY, '41', '<tier>', '"gold" & <script>x</script>', 'ord-noor-1', 'p<1>', '149.50 DKK', '299.00 DKK',
      'vis-noor-1', 'vis-noor-2', HOSTILE_URL, 'reco-<7>', 'Click on shown content', 'Intercom R&D Unlimited Company', 'EU-US Data Privacy Framework',
      'Hetzner Online GmbH', 'tracking script', '2 visitor IDs', 'None needed: inside the EU/EEA', 'sent to the platform by the shop', 'Running the chat', '5 months']) {
      expect(text).toContain(value);
    }
    for (const right of ['Access', 'Rectification', 'Erasure', 'Restriction', 'Objection', 'Portability', 'Complaint', 'supervisory authority']) expect(text).toContain(right);
    expect(text).toContain(`until ${addMonths(visits[3], 5).toISOString().slice(0, 10)}`);
    expect(text).toContain(`Generated ${r.generatedAt.replace('T', ' ').replace(/:\d\d\.\d{3}Z$/, ' UTC')}`);
    expect(text).not.toContain('other.person@example.com');
    expect(text).not.toContain('Other Person');
    // The store without data about the person says so, under its own heading.
    expect(doc).toContain('Art15 store 1</h2>\n<p>No personal data about you is held for this shop.</p>');
  });

  it('renders an empty report for a person found nowhere, naming no one', async () => {
    const r = await report('nobody.at.all@example.com');
    expect(r.stores.map((s: { sources: unknown[]; retention: { visitors: unknown[] } }) => [s.sources, s.retention.visitors])).toEqual([[[], []], [[], []]]);
    expect(wellFormed(r.html)).toEqual([]);
    expect(r.html.match(/No personal data about you is held for this shop\./g)).toHaveLength(2);
    expect(r.html).not.toContain('nobody.at.all');
  });

  it('refuses the report, html included, to a key without PERSONAL_DATA_READ, and another tenant\'s store is NOT_FOUND', async () => {
    const analyst = await createKey(t, a.key, a.companyId, ['PROFILES_READ', 'AUDIT_READ']);
    const refused = await t.gql(analyst, 'query($q:String!){ privacyReport(idOrEmail:$q){ html } }', { q: EMAIL });
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(refused.data).toBeNull();
    const foreign = await t.gql(other.key, 'query($q:String!,$s:ID){ privacyReport(idOrEmail:$q, storeId:$s){ html json } }', { q: EMAIL, s: shop });
    expect(codes(foreign)).toEqual(['NOT_FOUND']);
    expect(JSON.stringify(foreign)).not.toContain('noor');
    const own = ok(await t.gql(other.key, 'query($q:String!){ privacyReport(idOrEmail:$q){ html } }', { q: EMAIL })).privacyReport.html;
    expect(own).not.toContain('noor');
    expect(own).not.toContain('Bøger');
  });
});

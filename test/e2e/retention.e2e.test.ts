import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, TRACK_EVENTS, UPSERT_ORDERS } from '../support/fixtures';
import { storeSql } from '../support/faults';
import { monthsBefore } from '../../src/services/retention/retention-rule';
import { createContext } from '../../src/context';
import { runScheduledPurge, SCHEDULE_PRINCIPAL } from '../../src/services/retention/retention-schedule';
import { withRetentionLock } from '../../src/services/retention/retention-lock';
import { createGateway } from '../../src/app';
import { createLogger } from '../../src/logging';

const DAY = 86_400_000;
/** `months` calendar months and a few days before now: clear of any boundary. */
const ago = (months: number, days = 3) => new Date(monthsBefore(new Date(), months).getTime() - days * DAY).toISOString();
const recent = (days: number) => new Date(Date.now() - days * DAY).toISOString();

/**
 * Visitors of different habits, events dated over the past 14 months. The comment on each event
 * says whether the purge must delete it; `expected` lists what must remain.
 */
function habits() {
  const e: Record<string, unknown>[] = [];
  // Frequent: 20 visit days in the last month, an hour in all → 9 months.
  for (let d = 1; d <= 20; d++) e.push({ visitorId: 'frequent', type: 'PAGE_VIEW', url: `https://s/f${d}`, occurredAt: recent(d), durationSeconds: 180 });
  e.push({ visitorId: 'frequent', type: 'CLICK', url: 'https://s/f-6m', occurredAt: ago(6) }); // 6 months old: stays
  e.push({ visitorId: 'frequent', type: 'CLICK', url: 'https://s/f-10m', occurredAt: ago(10) }); // 10 months: goes
  e.push({ visitorId: 'frequent', type: 'CLICK', url: 'https://s/f-13m', occurredAt: ago(13) }); // 13 months: goes
  // Occasional: one short visit two months ago → 1 month: its events go, and the visitor with them.
  e.push({ visitorId: 'occasional', type: 'PAGE_VIEW', url: 'https://s/o-2m', occurredAt: ago(2), durationSeconds: 30 });
  // Occasional but a known customer: the events go, the visitor stays (linked to a customer).
  e.push({ visitorId: 'occasional-customer', customerId: 'oc', type: 'PAGE_VIEW', url: 'https://s/oc-2m', occurredAt: ago(2), durationSeconds: 30 });
  // Medium: 4 visit days, 20 minutes → 6 months: 5-month-old stays, 7-month-old goes.
  for (const m of [1, 2, 3, 5]) e.push({ visitorId: 'medium', type: 'PAGE_VIEW', url: `https://s/m-${m}m`, occurredAt: ago(m), durationSeconds: 300 });
  e.push({ visitorId: 'medium', type: 'PAGE_VIEW', url: 'https://s/m-7m', occurredAt: ago(7) });
  // Old and gone: a single visit 14 months ago.
  e.push({ visitorId: 'ancient', type: 'PAGE_VIEW', url: 'https://s/a-14m', occurredAt: ago(14) });
  const gone = new Set(['https://s/f-10m', 'https://s/f-13m', 'https://s/o-2m', 'https://s/oc-2m', 'https://s/m-7m', 'https://s/a-14m']);
  const expected = e.map((x) => x.url as string).filter((u) => !gone.has(u)).sort();
  return { events: e, expected };
}

async function remaining(t: TestGateway, storeId: string): Promise<{ urls: string[]; visitors: string[] }> {
  const urls = (await storeSql(t, storeId, 'SELECT url FROM visit_events ORDER BY url')).map((r: { url: string }) => r.url).sort();
  const visitors = (await storeSql(t, storeId, 'SELECT id FROM visitors ORDER BY id')).map((r: { id: string }) => r.id);
  return { urls, visitors };
}

const PURGE = 'mutation($s:ID){ purgeExpiredData(storeId:$s){ visitorsDeleted eventsDeleted runs { status triggeredBy eventsDeleted } } }';

describe.each(ENGINES)('retention purge [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  const { events, expected } = habits();
  const survivors = ['frequent', 'medium', 'occasional-customer'];

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Retained', 2);
    for (const s of a.storeIds) {
      ok(await t.gql(a.key, TRACK_EVENTS, { s, e: events }));
      ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'kept-order', visitorId: 'occasional', createdAt: ago(13), currency: 'EUR', lines: [{ productId: 'p', quantity: 1, unitPrice: 9 }] }] }));
    }
  });
  afterAll(() => t?.close());

  it('gives each visitor a retention by habit, visible on the visitor', async () => {
    const q = 'query($s:ID!,$v:ID!){ visitor(storeId:$s, id:$v){ retentionMonths retainedUntil lastSeenAt } }';
    const months = async (v: string) => ok(await t.gql(a.key, q, { s: a.storeIds[0], v })).visitor.retentionMonths;
    expect(await months('frequent')).toBe(9);
    expect(await months('medium')).toBe(6);
    expect(await months('occasional')).toBe(1);
    const v = ok(await t.gql(a.key, q, { s: a.storeIds[0], v: 'medium' })).visitor;
    expect(new Date(v.retainedUntil).getTime()).toBeGreaterThan(new Date(v.lastSeenAt).getTime());
  });

  it('deletes exactly the expired events and the visitors left with nothing, keeping orders', async () => {
    const s = a.storeIds[0];
    const r = ok(await t.gql(a.key, PURGE, { s }));
    expect(r.purgeExpiredData).toEqual({ visitorsDeleted: 2, eventsDeleted: 6, runs: [{ status: 'COMPLETED', triggeredBy: expect.any(String), eventsDeleted: 6 }] });
    expect(await remaining(t, s)).toEqual({ urls: expected, visitors: survivors });
    const order = ok(await t.gql(a.key, 'query($s:ID!){ orders(storeId:$s){ totalCount edges { node { id total } } } }', { s }));
    expect(order.orders).toEqual({ totalCount: 1, edges: [{ node: { id: 'kept-order', total: 9 } }] });
  });

  it('deletes nothing the second time', async () => {
    const r = ok(await t.gql(a.key, PURGE, { s: a.storeIds[0] }));
    expect(r.purgeExpiredData).toMatchObject({ visitorsDeleted: 0, eventsDeleted: 0 });
  });

  it('ends in the same state when interrupted and resumed later, in statements of bounded size', async () => {
    const s = a.storeIds[1];
    const ctx = createContext(t.gateway.services, SCHEDULE_PRINCIPAL);
    let steps = 0;
    const first = await t.gateway.services.retention.purge(ctx, s, { chunkSize: 2, visitorBatch: 1, shouldStop: () => steps++ >= 2, triggeredBy: 'schedule' });
    expect(first.runs.map((r) => r.status)).toEqual(['INTERRUPTED']);
    const partial = await remaining(t, s);
    expect(partial.urls.length).toBeGreaterThan(expected.length);
    const resumed = await t.gateway.services.retention.purge(ctx, s, { chunkSize: 2, visitorBatch: 1, triggeredBy: 'schedule' });
    expect(resumed.runs[0].id).toBe(first.runs[0].id);
    expect(resumed.runs[0]).toMatchObject({ status: 'COMPLETED', eventsDeleted: 6, visitorsDeleted: 2 });
    expect(await remaining(t, s)).toEqual({ urls: expected, visitors: survivors });
  });

  it('records every run in the catalog, with no personal data', async () => {
    const runs = ok(await t.gql(a.key, 'query{ purgeRuns(first: 10){ totalCount edges { node { storeId status eventsDeleted visitorsDeleted triggeredBy } } } }')).purgeRuns;
    expect(runs.totalCount).toBe(3);
    expect(runs.edges.map((e: { node: { status: string } }) => e.node.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
  });

  it('refuses bounds outside 1-12 months and applies a store\'s narrowing', async () => {
    const set = 'mutation($s:ID!,$min:Int,$max:Int){ updateStoreSettings(storeId:$s, settings:{retentionMinMonths:$min, retentionMaxMonths:$max}){ settings { retentionMinMonths retentionMaxMonths } } }';
    for (const [min, max] of [[0, 12], [1, 13], [6, 3]]) expect((await t.gql(a.key, set, { s: a.storeIds[0], min, max })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    ok(await t.gql(a.key, set, { s: a.storeIds[0], min: 3, max: 4 }));
    const v = ok(await t.gql(a.key, 'query($s:ID!){ f: visitor(storeId:$s, id:"frequent"){ retentionMonths } m: visitor(storeId:$s, id:"medium"){ retentionMonths } }', { s: a.storeIds[0] }));
    expect(v).toEqual({ f: { retentionMonths: 4 }, m: { retentionMonths: 4 } });
  });
});

(ENGINES.includes('mysql') ? describe : describe.skip)('retention schedule across instances [mysql]', () => {
  it('runs the purge in one instance at a time, by a database lock', async () => {
    const first = await startTestGateway('mysql');
    try {
      const second = await createGateway(first.config, createLogger('silent')); // same catalog: another instance
      try {
        let inside: 'ran' | 'skipped' | null = null;
        const held = await withRetentionLock(first.gateway.services.leases, async () => {
          inside = await runScheduledPurge(second.services);
        });
        expect(held).toBe(true);
        expect(inside).toBe('skipped');
        expect(await runScheduledPurge(second.services)).toBe('ran');
      } finally {
        await second.stop();
      }
    } finally {
      await first.close();
    }
  });
});

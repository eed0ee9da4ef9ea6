/**
 * storeStats' rollups (src/services/stats/rollups.ts) against the raw GROUP BY they replace
 * (referenceBuckets: bucketStatements over the raw rows): after ingestion (several currencies,
 * re-sent orders that move day, buyer or currency, guests, several events per visitor and day,
 * rows on both sides of UTC midnight, Mondays and 1sts), after a forget, after a retention purge,
 * and once more after rebuilding them with the migration's backfill. DAY, WEEK and MONTH, over
 * whole buckets (the rollups) and a range cutting buckets (rollups and raw mixed); topProducts
 * likewise, from the per-day product rollup.
 */
import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, TRACK_EVENTS, UPSERT_ORDERS } from '../support/fixtures';
import { storeSql } from '../support/faults';
import { createContext } from '../../src/context';
import { SCHEDULE_PRINCIPAL } from '../../src/services/retention/retention-schedule';
import { referenceBuckets, referenceTopProducts } from '../../src/services/stats/store-stats.service';
import { backfillStatements, ROLLUP_TABLES } from '../../src/services/stats/rollups';
import { bucketStart, nextBucket, StatsIntervalName } from '../../src/services/stats/stats-buckets';
import { mulberry32 } from '../../src/services/demo/demo-data';

const DAY = 86_400_000;
const NOW = Date.now();
const TODAY = Math.floor(NOW / DAY) * DAY;

const rng = mulberry32;

const iso = (ms: number) => new Date(ms).toISOString();

/** Times on both sides of bucket edges within the data's span: UTC midnights, Mondays, 1sts. */
function edges(): number[] {
  const out: number[] = [];
  for (const interval of ['DAY', 'WEEK', 'MONTH'] as const) {
    for (let back = 20; back <= 430; back += 37) {
      const edge = nextBucket(bucketStart(new Date(TODAY - back * DAY), interval), interval).getTime();
      out.push(edge - 1, edge);
    }
  }
  return out;
}

function data() {
  const r = rng(15);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const when = () => TODAY - Math.floor(r() * 430 * DAY) + Math.floor(r() * DAY);
  const events: Record<string, unknown>[] = [];
  const types = ['PAGE_VIEW', 'PAGE_VIEW', 'CONTENT_VIEW', 'CLICK'];
  for (let i = 0; i < 700; i++) {
    const v = `v${Math.floor(r() * 40)}`;
    const at = when();
    // Often a session: several events of the visitor the same day.
    const n = r() < 0.4 ? 2 + Math.floor(r() * 4) : 1;
    for (let k = 0; k < n; k++) events.push({ visitorId: v, ...(v === 'v1' ? { customerId: 'c1' } : {}), type: pick(types), occurredAt: iso(Math.min(at + k * 60_000, NOW - 1)) });
  }
  for (const [i, at] of edges().entries()) events.push({ visitorId: `v${i % 7}`, ...(i % 7 === 1 ? { customerId: 'c1' } : {}), type: pick(types), occurredAt: iso(at) });
  const order = (id: string, at: number, customerId: string | null, currency: string, email?: string) => ({
    id,
    ...(customerId ? { customerId } : {}),
    ...(email ? { email } : {}),
    createdAt: iso(at),
    currency,
    lines: Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({ productId: `p${Math.floor(r() * 9)}`, quantity: 1 + Math.floor(r() * 3), unitPrice: (1 + Math.floor(r() * 20000)) / 100 })),
  });
  const buyer = () => (r() < 0.2 ? null : `c${Math.floor(r() * 12)}`);
  const currency = () => pick(['DKK', 'DKK', 'DKK', 'EUR', 'SEK']);
  const orders = Array.from({ length: 260 }, (_, i) => order(`o${i}`, when(), buyer(), currency()));
  edges().forEach((at, i) => orders.push(order(`edge${i}`, at, i % 3 ? `c${i % 5}` : null, i % 2 ? 'EUR' : 'DKK')));
  orders.push(order('by-email', when(), null, 'DKK', 'c1@example.com'));
  // Sent again: moved to another day or month, another buyer, another currency, a guest, the same.
  const resent = [
    { ...order('o1', when(), 'c1', 'DKK') },
    { ...order('o2', TODAY - 200 * DAY, 'c2', 'EUR') },
    { ...order('o3', TODAY - 3 * DAY, null, 'SEK') },
    { ...orders[4] },
    { ...order('o5', TODAY - 40 * DAY, 'c1', 'DKK') },
    { ...order('edge0', edges()[1], 'c9', 'DKK') },
  ];
  return { events, orders, resent };
}

/** Ranges by interval: whole buckets over all the data (DAY in two, at most 366 a query), and one that cuts its buckets. */
function ranges(interval: StatsIntervalName): [Date, Date][] {
  const end = nextBucket(bucketStart(new Date(NOW), interval), interval);
  const start = bucketStart(new Date(TODAY - 440 * DAY), interval);
  const cut: [Date, Date] = [new Date(TODAY - 300 * DAY + 5 * 3_600_000 + 1), new Date(TODAY - 9 * DAY + 13 * 3_600_000)];
  if (interval !== 'DAY') return [[start, end], cut];
  const mid = new Date(end.getTime() - 300 * DAY);
  return [[start, mid], [mid, end], cut];
}

describe.each(ENGINES)('storeStats rollups equal the raw GROUP BY [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let s: string;

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Rollups');
    s = a.storeIds[0];
  });
  afterAll(() => t?.close());

  /** Every range and interval: the service's answer (rollups) equals the raw reference, bucket for bucket. */
  async function expectRollupsEqualRaw(step: string): Promise<void> {
    const ctx = createContext(t.gateway.services, SCHEDULE_PRINCIPAL);
    const em = await t.gateway.services.tenancy.storeManager(ctx, s);
    let nonEmpty = 0;
    for (const interval of ['DAY', 'WEEK', 'MONTH'] as const) {
      for (const [from, to] of ranges(interval)) {
        const r = await t.gateway.services.stats.range(ctx, s, from, to, interval);
        const got = await t.gateway.services.stats.buckets(ctx, r);
        const want = await referenceBuckets(em, r);
        expect({ step, interval, from, buckets: got }).toEqual({ step, interval, from, buckets: want });
        nonEmpty += want.filter((b) => b.orders || b.visitors).length;
        if (interval === 'WEEK') continue;
        // topProducts: the per-day product rollup (and the raw join for cut days), ties by ID.
        for (const n of [3, 100]) {
          const top = await t.gateway.services.stats.topProducts(ctx, r, n);
          expect({ step, from, n, top }).toEqual({ step, from, n, top: await referenceTopProducts(em, r, n) });
          if (n === 100) expect(top.length).toBeGreaterThan(5);
        }
      }
    }
    expect(nonEmpty).toBeGreaterThan(100);
  }

  const rollupRows = async () => ({
    events: await storeSql(t, s, 'SELECT day, week, month, type, events FROM stats_day_events WHERE events <> 0 ORDER BY day, type'),
    orders: await storeSql(t, s, 'SELECT day, week, month, currency, orders, cents FROM stats_day_orders ORDER BY day, currency'),
    products: await storeSql(t, s, 'SELECT day, productId, currency, quantity, cents FROM stats_day_products ORDER BY day, productId, currency'),
    visitors: await storeSql(t, s, 'SELECT kind, bucket, visitorId FROM stats_bucket_visitors ORDER BY kind, bucket, visitorId'),
    buyers: await storeSql(t, s, 'SELECT kind, bucket, customerId FROM stats_bucket_buyers ORDER BY kind, bucket, customerId'),
  });

  it('after ingestion, re-sent orders, a forget, a retention purge, and equal to a fresh backfill', async () => {
    const { events, orders, resent } = data();
    for (let i = 0; i < events.length; i += 500) ok(await t.gql(a.key, TRACK_EVENTS, { s, e: events.slice(i, i + 500) }));
    for (let i = 0; i < orders.length; i += 100) ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: orders.slice(i, i + 100) }));
    await expectRollupsEqualRaw('ingested');

    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: resent }));
    await expectRollupsEqualRaw('re-sent');

    const before = await storeSql(t, s, "SELECT COUNT(*) AS n FROM visit_events WHERE visitorId = 'v1'");
    expect(Number(before[0].n)).toBeGreaterThan(0);
    const f = ok(await t.gql(a.key, 'mutation($s:ID!){ forgetCustomer(idOrEmail:"c1", storeId:$s){ requests { status } } }', { s }));
    expect(f.forgetCustomer.requests.map((x: { status: string }) => x.status)).toEqual(['COMPLETED']);
    expect(await storeSql(t, s, "SELECT visitorId FROM stats_bucket_visitors WHERE visitorId = 'v1'")).toEqual([]);
    expect(await storeSql(t, s, "SELECT customerId FROM stats_bucket_buyers WHERE customerId = 'c1'")).toEqual([]);
    await expectRollupsEqualRaw('forgotten');

    const eventsBefore = Number((await storeSql(t, s, 'SELECT COUNT(*) AS n FROM visit_events'))[0].n);
    const purge = ok(await t.gql(a.key, 'mutation($s:ID){ purgeExpiredData(storeId:$s){ eventsDeleted } }', { s }));
    expect(purge.purgeExpiredData.eventsDeleted).toBeGreaterThan(0);
    expect(purge.purgeExpiredData.eventsDeleted).toBeLessThan(eventsBefore);
    await expectRollupsEqualRaw('purged');

    // The migration's backfill from the rows as they are now builds the very same rollups.
    const maintained = await rollupRows();
    for (const table of ROLLUP_TABLES) await storeSql(t, s, `DELETE FROM ${table}`);
    for (const sql of backfillStatements(engine)) await storeSql(t, s, sql);
    expect(await rollupRows()).toEqual(maintained);
    await expectRollupsEqualRaw('backfilled');
  });
});

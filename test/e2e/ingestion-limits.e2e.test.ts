import { codes, ENGINES, GqlResult, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';

const DAY = 24 * 60 * 60 * 1000;
const COUNTS = 'query($s:ID!){ customers(storeId:$s){ totalCount } orders(storeId:$s){ totalCount } }';

/** The one BAD_USER_INPUT a rejected batch answers, and nothing else. */
function rejected(r: GqlResult): string {
  expect(codes(r)).toEqual(['BAD_USER_INPUT']);
  return r.errors![0].message;
}

describe.each(ENGINES)('ingestion accepts exactly what both engines store [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let s: string;
  const counts = async () => ok(await t.gql(a.key, COUNTS, { s }));

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Limits');
    s = a.storeIds[0];
  });
  afterAll(() => t?.close());

  it('refuses a line or an order whose amount overflows DECIMAL(14,2), naming the record, writing nothing', async () => {
    const before = await counts();
    const good = { id: 'ok-1', currency: 'EUR', lines: [{ productId: 'p', quantity: 1, unitPrice: 10 }] };
    const line = await t.gql(a.key, UPSERT_ORDERS, { s, o: [good, { id: 'big-line', currency: 'EUR', lines: [{ productId: 'p', quantity: 1_000_000, unitPrice: 1e10 }] }] });
    expect(rejected(line)).toBe('Batch rejected, nothing written: orders[1].lines[0].amount (quantity × unitPrice) must be at most 999999999999.99 (the stored decimal)');
    const total = await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'big-total', currency: 'EUR', lines: [{ productId: 'p', quantity: 60, unitPrice: 1e10 }, { productId: 'q', quantity: 60, unitPrice: 1e10 }] }] });
    expect(rejected(total)).toBe('Batch rejected, nothing written: orders[0].total (the sum of its lines) must be at most 999999999999.99 (the stored decimal)');
    expect(await counts()).toEqual(before);
    // A large amount that fits is accepted, and read back exactly, on both engines.
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'max', currency: 'EUR', lines: [{ productId: 'p', quantity: 99, unitPrice: 1e10 }, { productId: 'q', quantity: 1, unitPrice: 9_999_999_999.99 }] }] }));
    const stored = ok(await t.gql(a.key, 'query($s:ID!){ orders(storeId:$s){ edges { node { id total lines { unitPrice } } } } }', { s })).orders.edges;
    expect(stored.map((e: { node: unknown }) => e.node)).toEqual([{ id: 'max', total: 999_999_999_999.99, lines: [{ unitPrice: 1e10 }, { unitPrice: 9_999_999_999.99 }] }]);
    // Sub-cent prices are stored rounded to cents on both engines, and the total from them.
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'cents', currency: 'EUR', lines: [{ productId: 'p', quantity: 3, unitPrice: 0.125 }, { productId: 'q', quantity: 1, unitPrice: 2.0049 }] }] }));
    const cents = ok(await t.gql(a.key, 'query($s:ID!){ orders(storeId:$s){ edges { node { id total lines { unitPrice } } } } }', { s })).orders.edges.find((e: { node: { id: string } }) => e.node.id === 'cents').node;
    expect(cents).toEqual({ id: 'cents', total: 2.39, lines: [{ unitPrice: 0.13 }, { unitPrice: 2 }] });
    const price = await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'pricey', currency: 'EUR', lines: [{ productId: 'p', quantity: 1, unitPrice: 2e10 }] }] });
    expect(rejected(price)).toBe('Batch rejected, nothing written: orders[0].lines[0].unitPrice must be at most 10000000000');
  });

  it('refuses customer attributes larger than the TEXT column in UTF-8 bytes, and accepts what fits', async () => {
    const before = await counts();
    const wide = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${i}`, 'a'.repeat(1000)]));
    // 40,000 characters, 80,000 bytes: a character count would let it through.
    const accented = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'é'.repeat(1000)]));
    for (const attributes of [wide, accented]) {
      const r = await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'fits' }, { id: 'wide', attributes }] });
      expect(rejected(r)).toBe('Batch rejected, nothing written: customers[1].attributes must be at most 65535 bytes as stored (JSON, UTF-8)');
    }
    expect(await counts()).toEqual(before);
    const fitting = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'é'.repeat(1000)]));
    expect(ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'fits', attributes: fitting }] })).upsertCustomers.accepted).toBe(1);
  });

  it('refuses event and order times before 2000 or more than a day ahead, never echoing them', async () => {
    const before = await counts();
    const ahead = new Date(Date.now() + 2 * DAY).toISOString();
    const ev = await t.gql(a.key, TRACK_EVENTS, { s, e: [{ visitorId: 'v1', type: 'PAGE_VIEW' }, { visitorId: 'v1', type: 'CLICK', occurredAt: ahead }] });
    const message = rejected(ev);
    expect(message).toBe('Batch rejected, nothing written: events[1].occurredAt must be between 2000-01-01 and one day from now');
    const old = await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'o-old', currency: 'EUR', createdAt: '1999-12-31T23:59:59Z', lines: [] }] });
    expect(rejected(old)).toBe('Batch rejected, nothing written: orders[0].createdAt must be between 2000-01-01 and one day from now');
    const log = ok(await t.gql(a.key, 'query($s:ID!){ visitor(storeId:$s, id:"v1"){ id } }', { s }));
    expect(log.visitor).toBeNull();
    expect(await counts()).toEqual(before);
    // Just inside the bounds is accepted.
    const soon = new Date(Date.now() + DAY - 60_000).toISOString();
    expect(ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [{ visitorId: 'v2', type: 'PAGE_VIEW', occurredAt: soon }] })).trackEvents.accepted).toBe(1);
    expect(ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'o-2000', currency: 'EUR', createdAt: '2000-01-01T00:00:00Z', lines: [] }] })).upsertOrders.accepted).toBe(1);
  });
});

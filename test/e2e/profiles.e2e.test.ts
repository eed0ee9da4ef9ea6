import { codes, ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { failInsertsWhere, storeSql } from '../support/faults';
import { createKey, createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';

const PROFILE = `query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){
  id email name crm { age gender city attributes }
  orders(first: 2){ totalCount edges { node { id total currency anonymized lines { productId quantity unitPrice } } } pageInfo { hasNextPage endCursor } }
  visitors { id log(first: 2){ edges { node { type url productId occurredAt } } pageInfo { hasNextPage endCursor } } }
  preferences { topProducts { productId score } topCategories { name score } }
} }`;

describe.each(ENGINES)('profiles end to end [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let b: Tenant;

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Alpha');
    b = await createTenant(t, 'Beta');
    const s = a.storeIds[0];
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [
      { id: 'c1', email: '  Jose@Example.COM ', name: 'José Alvarez', age: 41, gender: 'male', city: 'Aarhus', attributes: { tier: 'gold' } },
      { id: 'c2', email: 'josé@example.com', name: 'Other José' },
      { id: 'c3', email: 'jоse@example.com', name: 'Cyrillic o' },
    ] }));
    ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [
      { visitorId: 'v1', customerId: 'c1', type: 'PAGE_VIEW', url: 'https://shop/p/1', productId: 'p1', occurredAt: '2026-01-01T10:00:00.000Z', durationSeconds: 30 },
      { visitorId: 'v1', customerId: 'c1', type: 'CLICK', url: 'https://shop/p/2', productId: 'p2', occurredAt: '2026-01-01T10:01:00.000Z' },
      { visitorId: 'v1', type: 'CONTENT_VIEW', url: 'https://shop/p/2', contentId: 'recs', occurredAt: '2026-01-01T10:02:00.000Z' },
    ] }));
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [
      { id: 'o1', customerId: 'c1', email: 'jose@example.com', visitorId: 'v1', createdAt: '2026-01-02T00:00:00.000Z', currency: 'dkk', lines: [{ productId: 'p2', quantity: 2, unitPrice: 100.5 }] },
      { id: 'o2', customerId: 'c1', createdAt: '2026-01-03T00:00:00.000Z', currency: 'DKK', lines: [{ productId: 'p1', quantity: 1, unitPrice: 10 }] },
      { id: 'o3', customerId: 'c1', createdAt: '2026-01-04T00:00:00.000Z', currency: 'DKK', lines: [] },
    ] }));
  });
  afterAll(() => t?.close());

  it('finds a profile by e-mail in any case and spacing, with orders, log and preferences', async () => {
    const d = ok(await t.gql(a.key, PROFILE, { s: a.storeIds[0], q: ' JOSE@example.com' }));
    expect(d.customer).toEqual({
      id: 'c1',
      email: 'jose@example.com',
      name: 'José Alvarez',
      crm: { age: 41, gender: 'male', city: 'Aarhus', attributes: { tier: 'gold' } },
      orders: {
        totalCount: 3,
        edges: [
          { node: { id: 'o3', total: 0, currency: 'DKK', anonymized: false, lines: [] } },
          { node: { id: 'o2', total: 10, currency: 'DKK', anonymized: false, lines: [{ productId: 'p1', quantity: 1, unitPrice: 10 }] } },
        ],
        pageInfo: { hasNextPage: true, endCursor: expect.any(String) },
      },
      visitors: [
        {
          id: 'v1',
          log: {
            edges: [
              { node: { type: 'CONTENT_VIEW', url: 'https://shop/p/2', productId: null, occurredAt: '2026-01-01T10:02:00.000Z' } },
              { node: { type: 'CLICK', url: 'https://shop/p/2', productId: 'p2', occurredAt: '2026-01-01T10:01:00.000Z' } },
            ],
            pageInfo: { hasNextPage: true, endCursor: expect.any(String) },
          },
        },
      ],
      preferences: { topProducts: [{ productId: 'p2', score: 7 }, { productId: 'p1', score: 3 }], topCategories: [] },
    });
  });

  it('finds the same profile by customer ID', async () => {
    const d = ok(await t.gql(a.key, 'query($s:ID!){ customer(storeId:$s, idOrEmail:"c1"){ id email } }', { s: a.storeIds[0] }));
    expect(d.customer).toEqual({ id: 'c1', email: 'jose@example.com' });
  });

  it('never matches an accented or look-alike e-mail to another', async () => {
    const q = 'query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id } }';
    expect(ok(await t.gql(a.key, q, { s: a.storeIds[0], q: 'josé@example.com' })).customer).toEqual({ id: 'c2' });
    expect(ok(await t.gql(a.key, q, { s: a.storeIds[0], q: 'jоse@example.com' })).customer).toEqual({ id: 'c3' });
    expect(ok(await t.gql(a.key, q, { s: a.storeIds[0], q: 'jöse@example.com' })).customer).toBeNull();
  });

  it('pages through orders and the visitor log with cursors until the end', async () => {
    const q = `query($s:ID!,$a:String,$b:String){ customer(storeId:$s, idOrEmail:"c1"){
      orders(first: 2, after: $a){ edges { node { id } } pageInfo { hasNextPage endCursor } }
      visitors { log(first: 2, after: $b){ edges { node { type } } pageInfo { hasNextPage endCursor } } } } }`;
    const p1 = ok(await t.gql(a.key, q, { s: a.storeIds[0] })).customer;
    const p2 = ok(await t.gql(a.key, q, { s: a.storeIds[0], a: p1.orders.pageInfo.endCursor, b: p1.visitors[0].log.pageInfo.endCursor })).customer;
    expect(p2.orders).toEqual({ edges: [{ node: { id: 'o1' } }], pageInfo: { hasNextPage: false, endCursor: expect.any(String) } });
    expect(p2.visitors[0].log).toEqual({ edges: [{ node: { type: 'PAGE_VIEW' } }], pageInfo: { hasNextPage: false, endCursor: expect.any(String) } });
  });

  it('pages through customers by ID with a total count', async () => {
    const q = 'query($s:ID!,$a:String){ customers(storeId:$s, first: 2, after:$a){ totalCount edges { node { id email } } pageInfo { hasNextPage endCursor } } }';
    const p1 = ok(await t.gql(a.key, q, { s: a.storeIds[0] })).customers;
    expect(p1.totalCount).toBe(3);
    expect(p1.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(['c1', 'c2']);
    const p2 = ok(await t.gql(a.key, q, { s: a.storeIds[0], a: p1.pageInfo.endCursor })).customers;
    expect(p2).toEqual({ totalCount: 3, edges: [{ node: { id: 'c3', email: 'jоse@example.com' } }], pageInfo: { hasNextPage: false, endCursor: expect.any(String) } });
  });

  it('lists store orders newest first with their customer and lines', async () => {
    const d = ok(await t.gql(a.key, 'query($s:ID!){ orders(storeId:$s, first: 1){ totalCount edges { node { id email customer { id } total currency anonymized lines { productId quantity unitPrice } } } pageInfo { hasNextPage } } }', { s: a.storeIds[0] }));
    expect(d.orders).toEqual({ totalCount: 3, edges: [{ node: { id: 'o3', email: null, customer: { id: 'c1' }, total: 0, currency: 'DKK', anonymized: false, lines: [] } }], pageInfo: { hasNextPage: true } });
  });

  it('walks every newest-first list to its end with cursors: orders, the ledger, the audit log', async () => {
    const walk = async (field: string, query: string) => {
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 20; i++) {
        const page: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } = ok(await t.gql(a.key, query, { s: a.storeIds[0], a: after }))[field];
        seen.push(...page.edges.map((e) => e.node.id));
        if (!page.pageInfo.hasNextPage) return seen;
        after = page.pageInfo.endCursor;
      }
      throw new Error('did not end');
    };
    expect(await walk('orders', 'query($s:ID!,$a:String){ orders(storeId:$s, first: 1, after:$a){ edges { node { id } } pageInfo { hasNextPage endCursor } } }')).toEqual(['o3', 'o2', 'o1']);
    const audit = await walk('auditLog', 'query($s:ID!,$a:String){ auditLog(storeId:$s, first: 2, after:$a){ edges { node { id } } pageInfo { hasNextPage endCursor } } }');
    const all = ok(await t.gql(a.key, 'query($s:ID!){ auditLog(storeId:$s, first: 100){ edges { node { id } } } }', { s: a.storeIds[0] })).auditLog.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(audit).toEqual(all);
    expect(new Set(audit).size).toBe(audit.length);
  });

  it('shows a visitor with its customer and log', async () => {
    const d = ok(await t.gql(a.key, 'query($s:ID!){ visitor(storeId:$s, id:"v1"){ id customer { id } log(first: 1){ edges { node { type url occurredAt } } } } }', { s: a.storeIds[0] }));
    expect(d.visitor).toEqual({ id: 'v1', customer: { id: 'c1' }, log: { edges: [{ node: { type: 'CONTENT_VIEW', url: 'https://shop/p/2', occurredAt: '2026-01-01T10:02:00.000Z' } }] } });
  });

  it('answers another company\'s store exactly as a store that does not exist', async () => {
    const q = 'query($s:ID!){ customer(storeId:$s, idOrEmail:"c1"){ id } }';
    const foreign = await t.gql(b.key, q, { s: a.storeIds[0] });
    const missing = await t.gql(b.key, q, { s: '00000000-0000-0000-0000-000000000000' });
    expect(foreign.errors).toEqual(missing.errors);
    expect(codes(foreign)).toEqual(['NOT_FOUND']);
    expect(foreign.data).toEqual(missing.data);
    for (const op of [
      'query($s:ID!){ customers(storeId:$s){ totalCount } }',
      'query($s:ID!){ orders(storeId:$s){ totalCount } }',
      'query($s:ID!){ visitor(storeId:$s, id:"v1"){ id } }',
      'query($s:ID!){ store(id:$s){ id } }',
    ]) {
      expect(codes(await t.gql(b.key, op, { s: a.storeIds[0] }))).toEqual(['NOT_FOUND']);
    }
    expect(codes(await t.gql(b.key, UPSERT_CUSTOMERS, { s: a.storeIds[0], c: [{ id: 'x' }] }))).toEqual(['NOT_FOUND']);
  });

  it('rejects a batch with one bad record whole, naming the record, writing nothing', async () => {
    const s = a.storeIds[0];
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [UPSERT_CUSTOMERS, { s, c: [{ id: 'n1', email: 'new1@example.com' }, { id: 'n2', email: 'not-an-email' }] }, /customers\[1\]\.email/],
      [UPSERT_ORDERS, { s, o: [{ id: 'n1', currency: 'DKK', lines: [] }, { id: 'n2', currency: 'DKK', lines: [{ productId: 'p', quantity: -1, unitPrice: 1 }] }] }, /orders\[1\]\.lines\[0\]\.quantity/],
      [UPSERT_CUSTOMERS, { s, c: [{ id: 'n1' }, { id: '  ' }] }, /customers\[1\]\.id/],
    ];
    for (const [op, vars, pattern] of cases) {
      const r = await t.gql(a.key, op, vars);
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      expect(r.errors![0].message).toMatch(pattern);
      expect(r.errors![0].message).not.toContain('not-an-email');
    }
    const unknownType = await t.gql(a.key, TRACK_EVENTS, { s, e: [{ visitorId: 'n1', type: 'PAGE_VIEW' }, { visitorId: 'n2', type: 'SCROLL' }] });
    expect(codes(unknownType)).toEqual(['BAD_USER_INPUT']);
    const counts = ok(await t.gql(a.key, 'query($s:ID!){ customers(storeId:$s){ totalCount } orders(storeId:$s){ totalCount } n1: visitor(storeId:$s, id:"n1"){ id } }', { s }));
    expect(counts).toEqual({ customers: { totalCount: 3 }, orders: { totalCount: 3 }, n1: null });
  });

  it('rolls back a batch whose last statement fails in the database, leaving nothing half-written', async () => {
    const s = a.storeIds[0];
    // A trigger makes the order-line insert fail after the order rows were written.
    await failInsertsWhere(t, s, 'order_lines', 'productId', 'boom');
    const r = await t.gql(a.key, UPSERT_ORDERS, { s, o: [
      { id: 'half1', customerId: 'c1', currency: 'DKK', lines: [{ productId: 'ok', quantity: 1, unitPrice: 1 }] },
      { id: 'half2', customerId: 'c1', currency: 'DKK', lines: [{ productId: 'boom', quantity: 1, unitPrice: 1 }] },
    ] });
    expect(codes(r)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(r.errors![0].message).toBe('Internal server error');
    expect(JSON.stringify(r)).not.toMatch(/order_lines|INSERT|boom/i);
    expect(ok(await t.gql(a.key, 'query($s:ID!){ orders(storeId:$s){ totalCount } }', { s })).orders.totalCount).toBe(3);
  });

  it('accepts concurrent batches that create the same new customers, visitors and orders', async () => {
    const s = a.storeIds[0];
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => {
        const c = `dup-${i % 2}`;
        return i % 3 === 0
          ? t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: c, city: `City ${i}` }, { id: 'dup-shared', city: 'Shared' }] })
          : i % 3 === 1
            ? t.gql(a.key, TRACK_EVENTS, { s, e: [{ visitorId: 'dup-visitor', customerId: c, type: 'PAGE_VIEW' }] })
            : t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'dup-order', customerId: c, currency: 'EUR', lines: [{ productId: 'p', quantity: 1, unitPrice: i }] }] });
      }),
    );
    for (const r of results) expect(r.errors).toBeUndefined();
    const d = ok(await t.gql(a.key, 'query($s:ID!){ shared: customer(storeId:$s, idOrEmail:"dup-shared"){ id } visitor(storeId:$s, id:"dup-visitor"){ log { edges { node { type } } } } }', { s }));
    expect(d.shared).toEqual({ id: 'dup-shared' });
    expect(d.visitor.log.edges).toHaveLength(4);
    const lines = await storeSql(t, s, "SELECT COUNT(*) AS n FROM order_lines WHERE orderId = 'dup-order'");
    expect(Number(lines[0].n)).toBe(1); // the last batch's lines replaced the others'
  });

  it('drops e-mails where the store does not collect them, and says so', async () => {
    const c = await createTenant(t, 'Gamma', 1, false);
    const s = c.storeIds[0];
    expect(ok(await t.gql(c.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'g1', email: 'g1@example.com' }] })).upsertCustomers).toEqual({ accepted: 1, suppressed: 0, emailsDropped: 1 });
    expect(ok(await t.gql(c.key, 'query($s:ID!){ customer(storeId:$s, idOrEmail:"g1"){ id email } }', { s })).customer).toEqual({ id: 'g1', email: null });
  });

  it('withholds personal fields from a key without PERSONAL_DATA_READ, answering the rest', async () => {
    const analyst = await createKey(t, a.key, a.companyId, ['PROFILES_READ']);
    const r = await t.gql(analyst, 'query($s:ID!){ customer(storeId:$s, idOrEmail:"c1"){ id email orders { totalCount } } }', { s: a.storeIds[0] });
    expect(r.data).toEqual({ customer: { id: 'c1', email: null, orders: { totalCount: 3 } } });
    expect(r.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['customer', 'email'], 'FORBIDDEN']]);
  });

  it('refuses missing, unknown and revoked keys with UNAUTHENTICATED', async () => {
    const q = '{ viewer { apiKeyId } }';
    for (const key of [null, 'pgw_unknown']) {
      const r = await t.gql(key, q);
      expect(r.status).toBe(401);
      expect(codes(r)).toEqual(['UNAUTHENTICATED']);
    }
    const k = await createKey(t, a.key, a.companyId, ['PROFILES_READ']);
    const { viewer } = ok(await t.gql(k, q));
    ok(await t.gql(a.key, 'mutation($id:ID!){ revokeApiKey(id:$id){ revokedAt } }', { id: viewer.apiKeyId }));
    expect(codes(await t.gql(k, q))).toEqual(['UNAUTHENTICATED']);
  });

  it('rejects malformed idOrEmail values with BAD_USER_INPUT', async () => {
    const q = 'query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id } }';
    for (const bad of ['', '   ', 'a\u0000@x.dk', `${'a'.repeat(250)}@x.dk`, 'two words']) {
      expect(codes(await t.gql(a.key, q, { s: a.storeIds[0], q: bad }))).toEqual(['BAD_USER_INPUT']);
    }
  });
});

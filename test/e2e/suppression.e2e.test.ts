import { codes, ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createKey, createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';
import { whereItOccurs } from '../support/inspect';

const COUNT = 'query($s:ID!){ suppressions(storeId:$s){ totalCount } }';
const LIFT = 'mutation($s:ID!,$p:String,$v:ID,$r:String!){ liftSuppression(storeId:$s, idOrEmail:$p, visitorId:$v, reason:$r){ lifted } }';
const FORGET = 'mutation($s:ID!,$p:String!){ forgetCustomer(idOrEmail:$p, storeId:$s){ requests { status } } }';
const PROFILE = 'query($s:ID!,$p:String!){ customer(storeId:$s, idOrEmail:$p){ id email visitors { id } } }';
const REASON = 'Came back and consented again (ticket 4711)';

describe.each(ENGINES)('suppression list managed [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let b: Tenant;
  let s: string;

  /** Ida: customer, e-mail, visitor, an order; forgotten by e-mail, so her ID and visitor are suppressed through her footprint. */
  const seedPerson = async (store: string, id: string, email: string, visitor: string) => {
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: store, c: [{ id, email, name: 'Someone' }] }));
    ok(await t.gql(a.key, TRACK_EVENTS, { s: store, e: [{ visitorId: visitor, customerId: id, type: 'PAGE_VIEW', url: 'https://shop/p' }] }));
    ok(await t.gql(a.key, UPSERT_ORDERS, { s: store, o: [{ id: `o-${id}`, customerId: id, currency: 'EUR', lines: [{ productId: 'p1', quantity: 1, unitPrice: 5 }] }] }));
  };
  const reingest = async (store: string, id: string, email: string, visitor: string) => ({
    customers: ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: store, c: [{ id, email, name: 'Someone' }] })).upsertCustomers,
    events: ok(await t.gql(a.key, TRACK_EVENTS, { s: store, e: [{ visitorId: visitor, customerId: id, type: 'PAGE_VIEW', url: 'https://shop/q' }] })).trackEvents,
  });
  const count = async (store: string) => ok(await t.gql(a.key, COUNT, { s: store })).suppressions.totalCount;

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Suppressing', 2);
    b = await createTenant(t, 'Stranger');
    s = a.storeIds[0];
    await seedPerson(s, 'ida-1', 'ida@example.dk', 'vi-1');
    await seedPerson(s, 'jon-2', 'jon@example.dk', 'vj-2');
    ok(await t.gql(a.key, FORGET, { s, p: 'ida@example.dk' }));
    ok(await t.gql(a.key, FORGET, { s, p: 'jon-2' }));
  });
  afterAll(() => t?.close());

  it('counts identifiers, lifts every one of the person\'s, and lets them be ingested again', async () => {
    // Per person: e-mail, customer ID, visitor ID; Ida, forgotten by her e-mail, also has that value
    // suppressed as a customer ID (a value with '@' names the person both ways).
    expect(await count(s)).toBe(7);
    expect(await reingest(s, 'ida-1', 'ida@example.dk', 'vi-1')).toEqual({ customers: { accepted: 0, suppressed: 1, emailsDropped: 0 }, events: { accepted: 0, suppressed: 1, emailsDropped: 0 } });
    // Named by her customer ID, though she was forgotten by e-mail: her whole forget is lifted.
    expect(ok(await t.gql(a.key, LIFT, { s, p: 'ida-1', r: REASON })).liftSuppression).toEqual({ lifted: 4 });
    expect(await count(s)).toBe(3);
    expect(await reingest(s, 'ida-1', 'ida@example.dk', 'vi-1')).toEqual({ customers: { accepted: 1, suppressed: 0, emailsDropped: 0 }, events: { accepted: 1, suppressed: 0, emailsDropped: 0 } });
    expect(ok(await t.gql(a.key, PROFILE, { s, p: 'ida@example.dk' })).customer).toEqual({ id: 'ida-1', email: 'ida@example.dk', visitors: [{ id: 'vi-1' }] });
    // Jon is still suppressed; lifting Ida again lifts nothing.
    expect((await reingest(s, 'jon-2', 'jon@example.dk', 'vj-2')).customers).toEqual({ accepted: 0, suppressed: 1, emailsDropped: 0 });
    expect(ok(await t.gql(a.key, LIFT, { s, p: 'ida@example.dk', r: REASON })).liftSuppression).toEqual({ lifted: 0 });
  });

  it('lifts a person named by a visitor ID or an e-mail in another case, in that store only', async () => {
    const other = a.storeIds[1];
    await seedPerson(other, 'jon-2', 'jon@example.dk', 'vj-2');
    ok(await t.gql(a.key, FORGET, { s: other, p: 'jon@example.dk' }));
    expect(await count(other)).toBe(4);
    expect(ok(await t.gql(a.key, LIFT, { s: other, v: 'vj-2', r: REASON })).liftSuppression).toEqual({ lifted: 4 });
    expect(await count(other)).toBe(0);
    expect(await count(s)).toBe(3); // Jon stays suppressed in the first store
    expect(ok(await t.gql(a.key, LIFT, { s, p: ' JON@Example.DK ', r: REASON })).liftSuppression).toEqual({ lifted: 3 });
    expect(await count(s)).toBe(0);
  });

  it('audits the lift with its reason, found by the person\'s identifiers, and keeps no e-mail in the catalog', async () => {
    const entries = ok(await t.gql(a.key, 'query($s:ID!){ auditLog(storeId:$s, operation:"liftSuppression"){ edges { node { operation records detail } } } }', { s })).auditLog.edges.map((e: { node: unknown }) => e.node);
    expect(entries).toEqual([
      { operation: 'liftSuppression', records: 3, detail: `reason: ${REASON}` },
      { operation: 'liftSuppression', records: 0, detail: `reason: ${REASON}` },
      { operation: 'liftSuppression', records: 4, detail: `reason: ${REASON}` },
    ]);
    // The lift that found her carries every identifier it lifted; the one that found nothing, the e-mail it was given.
    for (const [subject, n] of [['ida@example.dk', 2], ['ida-1', 1], ['vi-1', 1], ['jon-2', 1], ['nobody-9', 0]] as const) {
      const found = ok(await t.gql(a.key, 'query($s:ID!,$x:String){ auditLog(storeId:$s, subject:$x, operation:"liftSuppression"){ totalCount } }', { s, x: subject })).auditLog.totalCount;
      expect([subject, found]).toEqual([subject, n]);
    }
    const inCatalog = async (needle: string) => (await whereItOccurs(t, needle)).filter((place) => !/stores\/|_s_/.test(place));
    expect(await inCatalog('ida@example.dk')).toEqual([]);
  });

  it('refuses a missing, overlong or personal reason and a person named by neither or both, changing nothing', async () => {
    ok(await t.gql(a.key, FORGET, { s, p: 'ida-1' }));
    const before = await count(s);
    expect(before).toBe(3);
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ p: 'ida-1', r: '' }, /`reason`.*500/],
      [{ p: 'ida-1', r: '   ' }, /`reason`/],
      [{ p: 'ida-1', r: 'x'.repeat(501) }, /`reason`.*500/],
      [{ p: 'ida-1', r: 'asked by ida@example.dk herself' }, /`reason`.*e-mail/],
      [{ p: 'ida-1', r: 'a\u0000b' }, /`reason`/],
      [{ r: REASON }, /exactly one/],
      [{ p: 'ida-1', v: 'vi-1', r: REASON }, /exactly one/],
      [{ p: 'two words', r: REASON }, /`idOrEmail`/],
      [{ v: 'v'.repeat(129), r: REASON }, /`visitorId`/],
    ];
    for (const [vars, message] of bad) {
      const r = await t.gql(a.key, LIFT, { s, ...vars });
      expect([vars, codes(r)]).toEqual([vars, ['BAD_USER_INPUT']]);
      expect(r.errors![0].message).toMatch(message);
      expect(r.errors![0].message).not.toContain('ida@example.dk');
    }
    expect(codes(await t.gql(a.key, LIFT, { s, p: 'ida-1' }))).toEqual(['BAD_USER_INPUT']); // reason is required
    expect(await count(s)).toBe(before);
  });

  it('needs FORGET, and another company\'s store or a store outside the key is NOT_FOUND', async () => {
    const noForget = await createKey(t, a.key, a.companyId, ['PROFILES_READ', 'PERSONAL_DATA_READ', 'INGEST', 'SETTINGS_WRITE', 'KEYS_ADMIN', 'AUDIT_READ']);
    expect(codes(await t.gql(noForget, COUNT, { s }))).toEqual(['FORBIDDEN']);
    expect(codes(await t.gql(noForget, LIFT, { s, p: 'ida-1', r: REASON }))).toEqual(['FORBIDDEN']);
    const narrowed = await createKey(t, a.key, a.companyId, ['FORGET'], [a.storeIds[1]]);
    for (const key of [b.key, narrowed]) {
      expect(codes(await t.gql(key, COUNT, { s }))).toEqual(['NOT_FOUND']);
      expect(codes(await t.gql(key, LIFT, { s, p: 'ida-1', r: REASON }))).toEqual(['NOT_FOUND']);
    }
    expect(codes(await t.gql(a.key, COUNT, { s: '00000000-0000-0000-0000-000000000000' }))).toEqual(['NOT_FOUND']);
    expect(await count(s)).toBe(3);
  });
});

import { randomUUID } from 'node:crypto';
import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';
import { storeSql } from '../support/faults';
import { catalogTextColumns, findInCatalog } from '../support/catalog-text';
import { ForgetRequestEntity } from '../../src/entities/catalog';
import { monthsBefore } from '../../src/services/retention/retention-rule';
import { createContext } from '../../src/context';
import { SCHEDULE_PRINCIPAL } from '../../src/services/retention/retention-schedule';
import { recoverForgets } from '../../src/services/privacy/forget-recovery';
import { catalogOf } from '../support/internals';

/**
 * "The catalog holds no shopper identifier in clear, anywhere": every privacy operation runs on
 * these people, then every text column of every catalog table is searched for each of their
 * identifiers (any letter case). None of them is hex-like, so a keyed hash cannot match by chance.
 *
 * To cover a new operation, add it to OPERATIONS (and its people to PEOPLE if it needs new ones).
 */
const PEOPLE = {
  anna: { customerId: 'Kunde-Anna-7731', email: 'anna.kvist@example.dk', visitors: ['besoeg-anna-1', 'besoeg-anna-2'] },
  bo: { customerId: 'Kunde-Bo-5521', email: 'bo.lund@example.dk', visitors: ['besoeg-bo-1'] },
  // Known by e-mail only: a guest order and a visit.
  guest: { customerId: null, email: 'gaest.kun@example.dk', visitors: ['besoeg-gaest-1'] },
  // A shop that uses e-mail addresses as customer IDs.
  atId: { customerId: 'Kunde.ID@Butik.dk', email: null, visitors: ['besoeg-atid-1'] },
  // An anonymous shopper known only by a visitor ID, with an order carrying only that visitor.
  walker: { customerId: null, email: null, visitors: ['anonym-kunde-77'] },
  // A typo'd address a shop asked to forget: found nowhere, suppressed all the same.
  typo: { customerId: null, email: 'anna.kvistt@example.dk', visitors: [] },
  // Anonymous visitors with old, short visits: the retention purge removes them.
  anon: { customerId: null, email: null, visitors: ['anonym-besoeg-1', 'anonym-besoeg-2', 'anonym-besoeg-3'] },
};
const IDENTIFIERS = Object.values(PEOPLE).flatMap((p) => [p.customerId, p.email, ...p.visitors].filter((v): v is string => !!v));

interface Scene {
  t: TestGateway;
  a: Tenant;
  s: string;
}
const DAY = 86_400_000;
const twoMonthsAgo = () => new Date(monthsBefore(new Date(), 2).getTime() - 3 * DAY).toISOString();
const now = () => new Date().toISOString();

/** Each privacy operation available, in the order a shop would meet them; each asserts it did its work. */
const OPERATIONS: { name: string; run: (x: Scene) => Promise<void> }[] = [
  {
    name: 'ingest customers, events and orders',
    run: async ({ t, a, s }) => {
      const { anna, bo, guest, anon, atId, walker } = PEOPLE;
      ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: anna.customerId, email: anna.email, name: 'Anna Kvist' }, { id: bo.customerId, email: bo.email, name: 'Bo Lund' }, { id: atId.customerId, name: 'At Id' }] }));
      ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [
        { visitorId: anna.visitors[0], customerId: anna.customerId, email: anna.email, type: 'PAGE_VIEW', url: 'https://shop/a', occurredAt: now() },
        { visitorId: anna.visitors[1], email: anna.email, type: 'CLICK', url: 'https://shop/b', occurredAt: now() },
        { visitorId: bo.visitors[0], customerId: bo.customerId, type: 'PAGE_VIEW', url: 'https://shop/c', occurredAt: now() },
        { visitorId: guest.visitors[0], email: guest.email, type: 'PAGE_VIEW', url: 'https://shop/d', occurredAt: now() },
        { visitorId: atId.visitors[0], customerId: atId.customerId, type: 'PAGE_VIEW', url: 'https://shop/e', occurredAt: now() },
        { visitorId: walker.visitors[0], type: 'CLICK', url: 'https://shop/f', occurredAt: now() },
        ...anon.visitors.map((v) => ({ visitorId: v, type: 'PAGE_VIEW', url: 'https://shop/old', occurredAt: twoMonthsAgo(), durationSeconds: 20 })),
      ] }));
      ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [
        { id: 'scan-order-1', customerId: anna.customerId, email: anna.email, visitorId: anna.visitors[0], currency: 'DKK', lines: [{ productId: 'p1', quantity: 1, unitPrice: 10 }] },
        { id: 'scan-order-2', email: guest.email, visitorId: guest.visitors[0], currency: 'DKK', lines: [{ productId: 'p2', quantity: 1, unitPrice: 20 }] },
        { id: 'scan-order-3', visitorId: walker.visitors[0], currency: 'DKK', lines: [{ productId: 'p3', quantity: 2, unitPrice: 5 }] },
      ] }));
    },
  },
  {
    name: 'profile reads by e-mail, by ID, visitor and lists',
    run: async ({ t, a, s }) => {
      const { anna, bo } = PEOPLE;
      const byEmail = ok(await t.gql(a.key, 'query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id email orders { totalCount } visitors { id } } }', { s, q: anna.email }));
      expect(byEmail.customer).toMatchObject({ id: anna.customerId, email: anna.email });
      expect(ok(await t.gql(a.key, 'query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id } }', { s, q: bo.customerId })).customer).toEqual({ id: bo.customerId });
      expect(ok(await t.gql(a.key, 'query($s:ID!,$v:ID!){ visitor(storeId:$s, id:$v){ id log { edges { node { url } } } } }', { s, v: anna.visitors[0] })).visitor).toEqual({ id: anna.visitors[0], log: { edges: [{ node: { url: 'https://shop/a' } }] } });
      ok(await t.gql(a.key, 'query($s:ID!){ customers(storeId:$s){ edges { node { id email } } } orders(storeId:$s){ edges { node { id email } } } }', { s }));
    },
  },
  {
    name: 'privacy report by e-mail and by ID',
    run: async ({ t, a }) => {
      for (const q of [PEOPLE.anna.email, PEOPLE.bo.customerId, PEOPLE.guest.email]) ok(await t.gql(a.key, 'query($q:String!){ privacyReport(idOrEmail:$q){ json } }', { q }));
    },
  },
  {
    name: 'forget dry run',
    run: async ({ t, a, s }) => {
      const r = ok(await t.gql(a.key, 'mutation($q:String!,$s:ID){ forgetCustomer(idOrEmail:$q, storeId:$s, dryRun:true){ requests { status customersDeleted } } }', { q: PEOPLE.anna.email, s }));
      expect(r.forgetCustomer.requests).toEqual([{ status: 'DRY_RUN', customersDeleted: 1 }]);
    },
  },
  {
    name: 'forget by ID and by e-mail',
    run: async ({ t, a, s }) => {
      const forget = 'mutation($q:String!,$s:ID){ forgetCustomer(idOrEmail:$q, storeId:$s){ requests { status customersDeleted } } }';
      expect(ok(await t.gql(a.key, forget, { q: PEOPLE.bo.customerId, s })).forgetCustomer.requests).toEqual([{ status: 'COMPLETED', customersDeleted: 1 }]);
      expect(ok(await t.gql(a.key, forget, { q: PEOPLE.anna.email, s })).forgetCustomer.requests).toEqual([{ status: 'COMPLETED', customersDeleted: 1 }]);
    },
  },
  {
    name: 'forget recovery (a request left PENDING by a dead process)',
    run: async ({ t, a, s }) => {
      // What a process killed right after writing its ledger entry leaves behind.
      const at = new Date();
      await catalogOf(t.gateway.services).getRepository(ForgetRequestEntity).insert({
        id: randomUUID(), storeId: s, companyId: a.companyId, subjectHash: t.gateway.services.hasher.hash(s, 'email', PEOPLE.guest.email), status: 'PENDING',
        requestedByKeyId: 'crashed', requestedAt: at, completedAt: null, backupsClearBy: new Date(at.getTime() + 30 * DAY),
        customersDeleted: 0, ordersAnonymized: 0, visitorsDeleted: 0, eventsDeleted: 0, alreadyForgotten: false, failure: null,
      });
      expect(await recoverForgets(t.gateway.services)).toEqual({ completed: 1, failed: 0, running: 0 });
    },
  },
  {
    name: 'replay',
    run: async ({ t, a, s }) => {
      ok(await t.gql(a.key, 'mutation($s:ID!,$since:DateTime!){ replayForgetRequests(since:$since, storeId:$s){ replayed } }', { s, since: new Date(Date.now() - DAY).toISOString() }));
    },
  },
  {
    name: 'retention purge, interrupted and resumed',
    run: async ({ t, a, s }) => {
      const ctx = createContext(t.gateway.services, SCHEDULE_PRINCIPAL);
      let steps = 0;
      const first = await t.gateway.services.retention.purge(ctx, s, { visitorBatch: 1, shouldStop: () => steps++ >= 2, triggeredBy: 'schedule' });
      expect(first.runs.map((r) => r.status)).toEqual(['INTERRUPTED']);
      // The position of the interrupted run is in the store's database, not the catalog.
      expect(await storeSql(t, s, 'SELECT runId FROM purge_positions')).toEqual([{ runId: first.runs[0].id }]);
      const resumed = ok(await t.gql(a.key, 'mutation($s:ID){ purgeExpiredData(storeId:$s){ visitorsDeleted runs { status } } }', { s })).purgeExpiredData;
      expect(resumed.runs).toEqual([{ status: 'COMPLETED' }]);
      expect(await storeSql(t, s, 'SELECT runId FROM purge_positions')).toEqual([]);
    },
  },
  {
    name: 'report and forget of an anonymous visitor, of an ID with \'@\', and of a typo, with a reference',
    run: async ({ t, a, s }) => {
      const { walker, atId, typo } = PEOPLE;
      const report = ok(await t.gql(a.key, 'query($v:ID!,$s:ID){ privacyReport(visitorId:$v, storeId:$s){ stores { orders { id } visitors { id } } html } }', { v: walker.visitors[0], s }));
      expect(report.privacyReport.stores[0]).toMatchObject({ orders: [{ id: 'scan-order-3' }], visitors: [{ id: walker.visitors[0] }] });
      const forget = 'mutation($q:String,$v:ID,$s:ID,$r:String){ forgetCustomer(idOrEmail:$q, visitorId:$v, storeId:$s, reference:$r){ requests { id status found ordersAnonymized } } }';
      const byVisitor = ok(await t.gql(a.key, forget, { v: walker.visitors[0], s, r: 'TICKET-1' })).forgetCustomer.requests[0];
      expect(byVisitor).toMatchObject({ status: 'COMPLETED', found: true, ordersAnonymized: 1 });
      expect(ok(await t.gql(a.key, 'query($id:ID!){ forgetRequest(id:$id){ reference } }', { id: byVisitor.id })).forgetRequest).toEqual({ reference: 'TICKET-1' });
      expect(ok(await t.gql(a.key, forget, { q: atId.customerId, s })).forgetCustomer.requests[0]).toMatchObject({ status: 'COMPLETED', found: true });
      expect(ok(await t.gql(a.key, forget, { q: typo.email, s })).forgetCustomer.requests[0]).toMatchObject({ status: 'COMPLETED', found: false });
      ok(await t.gql(a.key, 'query($s:ID!){ forgetRequests(storeId:$s, status: COMPLETED, from: "2000-01-01T00:00:00Z"){ totalCount } }', { s }));
    },
  },
  {
    name: 'suppressions counted and one lifted',
    run: async ({ t, a, s }) => {
      ok(await t.gql(a.key, 'query($s:ID!){ suppressions(storeId:$s){ totalCount } }', { s }));
      const lift = 'mutation($s:ID!,$q:String!){ liftSuppression(storeId:$s, idOrEmail:$q, reason:"consented again"){ lifted } }';
      expect(ok(await t.gql(a.key, lift, { s, q: PEOPLE.bo.customerId })).liftSuppression.lifted).toBeGreaterThan(0);
    },
  },
  {
    name: 'audit log searched by each identifier',
    run: async ({ t, a }) => {
      for (const subject of [PEOPLE.anna.email, PEOPLE.anna.customerId, PEOPLE.anna.visitors[1], PEOPLE.atId.customerId, PEOPLE.walker.visitors[0]]) {
        const n = ok(await t.gql(a.key, 'query($x:String){ auditLog(subject:$x){ totalCount } }', { x: subject })).auditLog.totalCount;
        expect([subject, n > 0]).toEqual([subject, true]);
      }
    },
  },
  {
    name: 'audit log and ledger reads',
    run: async ({ t, a }) => {
      ok(await t.gql(a.key, 'query{ auditLog(first: 100){ edges { node { operation } } } forgetRequests(first: 50){ totalCount } purgeRuns { totalCount } }'));
    },
  },
];

describe.each(ENGINES)('no shopper identifier in clear in the catalog [%s]', (engine) => {
  let scene: Scene;
  beforeAll(async () => {
    const t = await startTestGateway(engine);
    const a = await createTenant(t, 'Scanned');
    scene = { t, a, s: a.storeIds[0] };
  });
  afterAll(() => scene.t.close());

  it.each(OPERATIONS.map((o) => [o.name, o] as const))('runs: %s', async (_name, op) => {
    await op.run(scene);
  });

  it('scans every text column of every catalog table, and the scan does find a planted identifier', async () => {
    const columns = await catalogTextColumns(scene.t);
    const tables = new Set(columns.map((c) => c.table));
    for (const table of ['forget_requests', 'suppressions', 'audit_log', 'purge_runs', 'leases', 'stores', 'api_keys']) expect(tables).toContain(table);
    // The scan is not blind: a value planted in a catalog text column is found, in any case.
    await scene.t.gateway.services.audit.record({ principal: null }, [{ operation: `probe ${PEOPLE.anna.email.toUpperCase()}` }]);
    expect(await findInCatalog(scene.t, [PEOPLE.anna.email])).toEqual([`audit_log.operation: ${PEOPLE.anna.email}`]);
    await catalogOf(scene.t.gateway.services).query(`DELETE FROM audit_log WHERE operation LIKE 'probe %'`);
  });

  it('finds none of the identifiers used, in any letter case, after all of them', async () => {
    expect(await findInCatalog(scene.t, IDENTIFIERS)).toEqual([]);
  });
});

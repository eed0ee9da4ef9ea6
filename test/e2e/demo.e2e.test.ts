import { ok, startTestGateway, TestGateway } from '../support/gateway';
import { readDemoKey, seedDemo, DEMO_CUSTOMERS_PER_STORE } from '../../src/services/demo/demo-seed.service';
import { demoPlaygroundExamples } from '../../src/http/playground-examples';
import { createContext } from '../../src/context';
import { SCHEDULE_PRINCIPAL } from '../../src/services/retention/retention-schedule';

describe('demo data (embedded engine)', () => {
  let t: TestGateway;
  let seeded: { key: string; storeIds: string[] } | null;
  beforeAll(async () => {
    t = await startTestGateway('sqlite');
    seeded = await seedDemo(t.gateway.services);
  });
  afterAll(() => t?.close());

  it('creates a company with two stores and a key, kept in the data folder', async () => {
    expect(seeded?.storeIds).toHaveLength(2);
    expect(readDemoKey(t.config.dataDir)).toBe(seeded!.key);
    const d = ok(await t.gql(seeded!.key, '{ company { name stores { name settings { collectEmails } } } }'));
    expect(d.company).toEqual({ name: 'Nordic Outdoor ApS', stores: [
      { name: 'Nordic Outdoor DK', settings: { collectEmails: true } },
      { name: 'Nordic Outdoor SE', settings: { collectEmails: true } },
    ] });
    const counts = ok(await t.gql(seeded!.key, 'query($s:ID!){ customers(storeId:$s){ totalCount } orders(storeId:$s){ totalCount } }', { s: seeded!.storeIds[0] }));
    expect(counts.customers.totalCount).toBe(DEMO_CUSTOMERS_PER_STORE);
    expect(counts.orders.totalCount).toBeGreaterThan(100);
  });

  it('does nothing on a catalog that already has companies', async () => {
    expect(await seedDemo(t.gateway.services)).toBeNull();
  });

  it('runs every playground example as it is, without errors', async () => {
    for (const ex of demoPlaygroundExamples(seeded!.storeIds[0])) {
      const r = await t.gql(seeded!.key, ex.query, ex.variables);
      expect({ title: ex.title, errors: r.errors }).toEqual({ title: ex.title, errors: undefined });
    }
  });

  it('answers the README\'s first query with a profile that has orders and a visit log', async () => {
    const ex = demoPlaygroundExamples(seeded!.storeIds[0])[0];
    const { customer } = ok(await t.gql(seeded!.key, ex.query, ex.variables));
    expect(customer.email).toBe('anna.jensen@example.dk');
    expect(customer.orders.totalCount).toBe(3);
    expect(customer.visitors[0].log.edges.length).toBeGreaterThan(0);
  });

  it('keeps Anna\'s visit log and every example working after the retention purge that follows the first start', async () => {
    await t.gateway.services.retention.purge(createContext(t.gateway.services, SCHEDULE_PRINCIPAL), null);
    const [profile, ...rest] = demoPlaygroundExamples(seeded!.storeIds[0]);
    const { customer } = ok(await t.gql(seeded!.key, profile.query, profile.variables));
    expect(customer.visitors[0].log.edges.length).toBeGreaterThan(0);
    for (const ex of rest) {
      const r = await t.gql(seeded!.key, ex.query, ex.variables);
      expect({ title: ex.title, errors: r.errors }).toEqual({ title: ex.title, errors: undefined });
    }
  });
});

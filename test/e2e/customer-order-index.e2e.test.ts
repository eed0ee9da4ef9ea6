import { operatorPrincipal } from '../../src/auth/principal';
import { createContext } from '../../src/context';
import { CustomerEntity } from '../../src/entities/store';
import { newestFirstPage } from '../../src/services/pagination/newest-first';
import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, UPSERT_CUSTOMERS } from '../support/fixtures';

/*
 * customers(orderBy: UPDATED_AT) pages newest first on (updatedAt, id): the statement the
 * service issues must be answered from idx_customers_updated, on both engines, not by sorting
 * the whole customers table for every page.
 */
describe.each(ENGINES)('customers(orderBy: UPDATED_AT) is read on its index [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Indexed');
    // 10,000 customers in twenty batches, as a shop's updates arrive (distinct updatedAt values):
    // on a table of a few hundred rows MariaDB rightly prefers a scan and a sort.
    for (let b = 0; b < 20; b++) {
      const c = Array.from({ length: 500 }, (_, i) => ({ id: `c${b * 500 + i}`, email: `c${b * 500 + i}@example.com`, city: 'Aarhus' }));
      ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: a.storeIds[0], c }));
    }
  });
  afterAll(() => t?.close());

  it('plans the first page and a following page with idx_customers_updated', async () => {
    const ctx = createContext(t.gateway.services, operatorPrincipal('index-test'));
    const em = await t.gateway.services.tenancy.storeManager(ctx, a.storeIds[0]);
    if (engine === 'mysql') await em.query('ANALYZE TABLE customers'); // statistics as a live store has them
    for (const after of [undefined, { at: new Date().toISOString(), id: 'c20' }]) {
      const qb = newestFirstPage(em.createQueryBuilder(CustomerEntity, 'x'), 'x', 'updatedAt', { first: 10, after } as never);
      const [sql, params] = qb.getQueryAndParameters();
      if (engine === 'sqlite') {
        const plan = (await em.query(`EXPLAIN QUERY PLAN ${sql}`, params)) as { detail: string }[];
        const text = plan.map((p) => p.detail).join('\n');
        expect(text).toMatch(/idx_customers_updated/);
        expect(text).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
      } else {
        const plan = (await em.query(`EXPLAIN ${sql}`, params)) as { key: string | null; Extra: string | null }[];
        expect(plan[0].key).toBe('idx_customers_updated');
        expect(plan[0].Extra ?? '').not.toMatch(/filesort/);
      }
    }
  });
});

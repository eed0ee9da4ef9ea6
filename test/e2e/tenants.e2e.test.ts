import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, UPSERT_CUSTOMERS } from '../support/fixtures';
import { registryOf } from '../support/internals';

const CAP = 3;
const LOOKUP = 'query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id } }';

describe.each(ENGINES)('many stores, few open [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;

  beforeAll(async () => {
    t = await startTestGateway(engine, { MAX_OPEN_STORES: String(CAP) });
    a = await createTenant(t, 'Many', 10);
    for (const [i, s] of a.storeIds.entries()) ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: `only-in-${i}` }] }));
  }, 60_000);
  afterAll(() => t?.close());

  it('keeps at most MAX_OPEN_STORES open while requests cycle over more stores, answers each from its own data, and closes idle evicted pools beyond as many again', async () => {
    const registry = registryOf(t.gateway.services);
    const openedBefore = registry.opened;
    let maxOpen = 0;
    let maxHeld = 0;
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        a.storeIds.map(async (s, i) => {
          // Each store answers with its own data, never another's, however often it was reopened.
          expect(ok(await t.gql(a.key, LOOKUP, { s, q: `only-in-${i}` })).customer).toEqual({ id: `only-in-${i}` });
          expect(ok(await t.gql(a.key, LOOKUP, { s, q: `only-in-${(i + 1) % a.storeIds.length}` })).customer).toBeNull();
          maxOpen = Math.max(maxOpen, registry.openCount);
          maxHeld = Math.max(maxHeld, registry.heldCount);
        }),
      );
    }
    expect(maxOpen).toBeLessThanOrEqual(CAP);
    expect(maxHeld).toBeGreaterThan(CAP); // evicted pools a request may still be using wait out a grace
    expect(registry.opened - openedBefore).toBeGreaterThan(a.storeIds.length); // they were evicted and reopened
    // Once idle, evicted pools beyond the cap close without waiting out the whole grace.
    const heldBefore = registry.heldCount;
    await new Promise((r) => setTimeout(r, 1200));
    const open = (registry as unknown as { open: Map<string, unknown> }).open;
    const closed = a.storeIds.findIndex((s) => !open.has(s));
    ok(await t.gql(a.key, LOOKUP, { s: a.storeIds[closed], q: `only-in-${closed}` }));
    expect(registry.openCount).toBe(CAP);
    expect(heldBefore).toBeGreaterThan(2 * CAP);
    expect(registry.heldCount).toBeLessThanOrEqual(2 * CAP);
  });
});

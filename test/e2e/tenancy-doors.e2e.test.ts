import { StoreEntity } from '../../src/entities/catalog';
import type { Principal } from '../../src/auth/principal';
import { operatorPrincipal } from '../../src/auth/principal';
import { ALL_SCOPES } from '../../src/auth/scope';
import { ENGINES, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant } from '../support/fixtures';
import { catalogOf } from '../support/internals';

const code = async (work: () => unknown): Promise<unknown> => {
  try {
    await work();
    return 'passed';
  } catch (err) {
    return (err as { extensions?: { code?: string } }).extensions?.code ?? String(err);
  }
};

/** Tenancy's doors for work outside a request: who may use which, and reach on store rows read directly. */
describe.each(ENGINES)('tenancy doors [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let b: Tenant;
  let companyA: { principal: Principal };
  const operator = { principal: operatorPrincipal('test') };
  const nobody = { principal: null };
  const row = (id: string) => catalogOf(t.gateway.services).getRepository(StoreEntity).findOneByOrFail({ id });

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Door A');
    b = await createTenant(t, 'Door B');
    companyA = { principal: { apiKeyId: 'k', companyId: a.companyId, storeIds: null, scopes: new Set(ALL_SCOPES), operator: false } };
  });
  afterAll(() => t?.close());

  it('the whole catalog only for operators; any catalog only for a caller', async () => {
    const { tenancy } = t.gateway.services;
    expect(await code(() => tenancy.operatorCatalog(companyA))).toBe('FORBIDDEN');
    expect(await code(() => tenancy.operatorCatalog(nobody))).toBe('UNAUTHENTICATED');
    expect(await tenancy.operatorCatalog(operator).getRepository(StoreEntity).countBy({ companyId: b.companyId })).toBe(1);
    expect(await code(() => tenancy.catalogManager(nobody))).toBe('UNAUTHENTICATED');
    expect(await code(() => tenancy.catalogTransaction(nobody, async () => undefined))).toBe('UNAUTHENTICATED');
    expect(await tenancy.catalogTransaction(companyA, async (em) => em.getRepository(StoreEntity).countBy({ companyId: a.companyId }))).toBe(1);
  });

  it('store rows read directly are opened, closed and retired only within reach', async () => {
    const { tenancy } = t.gateway.services;
    const mine = await row(a.storeIds[0]);
    const theirs = await row(b.storeIds[0]);
    expect(await code(() => tenancy.openStore(companyA, theirs))).toBe('NOT_FOUND');
    expect(await code(() => tenancy.closeStore(companyA, theirs))).toBe('NOT_FOUND');
    expect(await code(() => tenancy.retireStore(companyA, theirs))).toBe('NOT_FOUND');
    expect(await code(() => tenancy.credentialGeneration(companyA, theirs))).toBe('NOT_FOUND');
    expect(await code(() => tenancy.rotateStoreCredentials(companyA, theirs))).toBe('NOT_FOUND');
    expect(await (await tenancy.openStore(companyA, mine)).query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await tenancy.closeStore(companyA, mine);
    expect(await (await tenancy.openStore(operator, theirs)).query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(tenancy.reachesCompany(companyA, a.companyId)).toBe(true);
    expect(tenancy.reachesCompany(companyA, b.companyId)).toBe(false);
    expect(tenancy.reaches(companyA, theirs)).toBe(false);
  });
});

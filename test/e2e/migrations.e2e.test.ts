import { DataSource } from 'typeorm';
import { StoreEntity } from '../../src/entities/catalog';
import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';

async function pendingChanges(ds: DataSource): Promise<string[]> {
  return (await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);
}

describe.each(ENGINES)('migrations [%s]', (engine) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(engine);
  });
  afterAll(() => t?.close());

  it('build exactly the schema the catalog entities describe', async () => {
    expect(await pendingChanges(t.gateway.services.tenancy.catalog)).toEqual([]);
  });

  it('build exactly the schema the store entities describe, on a store created through the API', async () => {
    const { createCompany } = ok(await t.gql(t.adminKey, 'mutation{ createCompany(name:"M"){ id } }'));
    const { createStore } = ok(await t.gql(t.adminKey, 'mutation($c:ID!){ createStore(companyId:$c, name:"S"){ id } }', { c: createCompany.id }));
    const store = await t.gateway.services.tenancy.catalog.getRepository(StoreEntity).findOneByOrFail({ id: createStore.id });
    const em = await t.gateway.services.tenancy.registry.manager(store);
    expect(await pendingChanges(em.connection)).toEqual([]);
    expect(await em.connection.showMigrations()).toBe(false);
  });
});

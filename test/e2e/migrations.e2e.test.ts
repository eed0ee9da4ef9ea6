import { DataSource } from 'typeorm';
import { StoreEntity } from '../../src/entities/catalog';
import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { catalogOf, registryOf } from '../support/internals';

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
    expect(await pendingChanges(catalogOf(t.gateway.services))).toEqual([]);
  });

  it('build exactly the schema the store entities describe, on a store created through the API', async () => {
    const { createCompany } = ok(await t.gql(t.adminKey, 'mutation{ createCompany(name:"M"){ id } }'));
    const { createStore } = ok(await t.gql(t.adminKey, 'mutation($c:ID!){ createStore(companyId:$c, name:"S"){ id } }', { c: createCompany.id }));
    const store = await catalogOf(t.gateway.services).getRepository(StoreEntity).findOneByOrFail({ id: createStore.id });
    const em = await registryOf(t.gateway.services).manager(store);
    expect(await pendingChanges(em.connection)).toEqual([]);
    expect(await em.connection.showMigrations()).toBe(false);
  });
});

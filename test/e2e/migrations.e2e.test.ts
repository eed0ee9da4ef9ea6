import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { StoreEntity } from '../../src/entities/catalog';
import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { catalogOf, registryOf } from '../support/internals';
import { createTenant } from '../support/fixtures';

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

describe('npm run migrate', () => {
  it('brings the catalog and every live store database up to date, and leaves deleted stores out', async () => {
    const t = await startTestGateway('sqlite');
    try {
      const a = await createTenant(t, 'Migrate Co', 3);
      ok(await t.gql(a.key, 'mutation($s:ID!,$n:String!){ deleteStore(storeId:$s, confirmName:$n){ storeId } }', { s: a.storeIds[2], n: 'Migrate Co store 3' }));
      const out = await new Promise<{ code: number; out: string }>((resolve) => {
        execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/migrate.ts'], { cwd: join(__dirname, '..', '..'), env: { ...process.env, DATA_DIR: t.config.dataDir, SEED_DEMO: '0', LOG_LEVEL: 'silent' } }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
        );
      });
      expect(out.code).toBe(0);
      expect(out.out).toMatch(/^catalog: up to date\n/);
      expect(out.out).toMatch(/stores: 2\/2 up to date\n$/);
    } finally {
      await t.close();
    }
  }, 60_000);
});

import type { TestGateway } from './gateway';
import { StoreEntity } from '../../src/entities/catalog';
import { withAdmin } from '../../src/tenancy/store-servers';
import { catalogOf, registryOf } from './internals';

/** Raw SQL on a store's database, bypassing the API (setting up faults, inspecting bytes). */
export async function storeSql(t: TestGateway, storeId: string, sql: string, params: unknown[] = []): Promise<any> {
  const store = await catalogOf(t.gateway.services).getRepository(StoreEntity).findOneByOrFail({ id: storeId });
  return (await registryOf(t.gateway.services).manager(store)).query(sql, params);
}

/**
 * Schema changes on a store's database (triggers for faults): on MySQL as the server's
 * administrator, since the store's own user may only read and write rows.
 */
export async function storeDdl(t: TestGateway, storeId: string, sql: string): Promise<void> {
  if (t.engine !== 'mysql') return storeSql(t, storeId, sql);
  const store = await catalogOf(t.gateway.services).getRepository(StoreEntity).findOneByOrFail({ id: storeId });
  await withAdmin(t.config, store.server, async (c) => {
    await c.query(`USE \`${store.databaseName}\``);
    await c.query(sql);
  });
}

/** Installs a trigger that makes inserts into `table` fail when `column` equals `value`. */
export async function failInsertsWhere(t: TestGateway, storeId: string, table: string, column: string, value: string): Promise<void> {
  await failOn(t, storeId, 'INSERT', table, `NEW.${q(t, column)} = '${value}'`);
}

/** Makes every DELETE on `table` fail, as a database failing half-way through a unit of work. */
export async function failDeletes(t: TestGateway, storeId: string, table: string): Promise<() => Promise<void>> {
  return failOn(t, storeId, 'DELETE', table, '1 = 1');
}

const q = (t: TestGateway, name: string) => (t.engine === 'mysql' ? `\`${name}\`` : `"${name}"`);

/** Returns a function that removes the trigger again. */
async function failOn(t: TestGateway, storeId: string, op: 'INSERT' | 'DELETE', table: string, when: string): Promise<() => Promise<void>> {
  const name = `fail_${op}_${table}`.toLowerCase();
  if (t.engine === 'mysql') {
    await storeDdl(t, storeId, `CREATE TRIGGER ${q(t, name)} BEFORE ${op} ON ${q(t, table)} FOR EACH ROW BEGIN IF ${when} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected fault'; END IF; END`);
  } else {
    await storeSql(t, storeId, `CREATE TRIGGER ${q(t, name)} BEFORE ${op} ON ${q(t, table)} WHEN ${when} BEGIN SELECT RAISE(ABORT, 'injected fault'); END`);
  }
  return async () => {
    await storeDdl(t, storeId, `DROP TRIGGER ${q(t, name)}`);
  };
}

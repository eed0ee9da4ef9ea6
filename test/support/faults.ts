import type { TestGateway } from './gateway';
import { StoreEntity } from '../../src/entities/catalog';

/** Raw SQL on a store's database, bypassing the API (setting up faults, inspecting bytes). */
export async function storeSql(t: TestGateway, storeId: string, sql: string, params: unknown[] = []): Promise<any> {
  const store = await t.gateway.services.tenancy.catalog.getRepository(StoreEntity).findOneByOrFail({ id: storeId });
  return (await t.gateway.services.tenancy.registry.manager(store)).query(sql, params);
}

/** Installs a trigger that makes inserts into `table` fail when `column` equals `value`. */
export async function failInsertsWhere(t: TestGateway, storeId: string, table: string, column: string, value: string): Promise<void> {
  const name = `fail_${table}_${column}`.toLowerCase();
  if (t.engine === 'mysql') {
    await storeSql(t, storeId, `CREATE TRIGGER \`${name}\` BEFORE INSERT ON \`${table}\` FOR EACH ROW BEGIN IF NEW.\`${column}\` = '${value}' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected fault'; END IF; END`);
  } else {
    await storeSql(t, storeId, `CREATE TRIGGER "${name}" BEFORE INSERT ON "${table}" WHEN NEW."${column}" = '${value}' BEGIN SELECT RAISE(ABORT, 'injected fault'); END`);
  }
}

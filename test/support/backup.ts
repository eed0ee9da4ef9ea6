import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreEntity } from '../../src/entities/catalog';
import { sqliteStoreFile } from '../../src/tenancy/data-source-factory';
import type { TestGateway } from './gateway';
import { asMysqlAdmin } from './gateway';
import { catalogOf, registryOf } from './internals';

const TABLES = ['customers', 'visitors', 'visit_events', 'orders', 'order_lines', 'products'];

/**
 * A backup of one store database, taken and put back as an operator would: a file copy with
 * the store closed (SQLite), or a copy of every table into a side database (MySQL).
 */
export async function backupStore(t: TestGateway, storeId: string): Promise<{ restore(): Promise<void> }> {
  const store = await catalogOf(t.gateway.services).getRepository(StoreEntity).findOneByOrFail({ id: storeId });
  const registry = registryOf(t.gateway.services);
  if (t.engine === 'sqlite') {
    const file = sqliteStoreFile(t.config, store.databaseName);
    const copy = join(mkdtempSync(join(tmpdir(), 'pgw-backup-')), 'store.sqlite');
    await registry.close(storeId); // closing checkpoints the WAL into the file
    copyFileSync(file, copy);
    return {
      async restore() {
        await registry.close(storeId);
        for (const suffix of ['-wal', '-shm']) rmSync(file + suffix, { force: true });
        copyFileSync(copy, file);
        rmSync(copy, { force: true });
      },
    };
  }
  const db = store.databaseName;
  const bk = `${db}_bk`;
  await asMysqlAdmin(async (c) => {
    await c.query(`CREATE DATABASE \`${bk}\``);
    for (const table of TABLES) {
      await c.query(`CREATE TABLE \`${bk}\`.\`${table}\` LIKE \`${db}\`.\`${table}\``);
      await c.query(`INSERT INTO \`${bk}\`.\`${table}\` SELECT * FROM \`${db}\`.\`${table}\``);
    }
  });
  return {
    restore: () =>
      asMysqlAdmin(async (c) => {
        for (const table of TABLES) {
          await c.query(`DELETE FROM \`${db}\`.\`${table}\``);
          await c.query(`INSERT INTO \`${db}\`.\`${table}\` SELECT * FROM \`${bk}\`.\`${table}\``);
        }
        await c.query(`DROP DATABASE \`${bk}\``);
      }),
  };
}

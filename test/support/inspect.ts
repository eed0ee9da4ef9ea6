import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { asMysqlAdmin, TestGateway } from './gateway';
import { StoreEntity } from '../../src/entities/catalog';
import { catalogOf } from './internals';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/**
 * Where a value still occurs. SQLite: the raw bytes of every database file under the data
 * folder, WAL and shared-memory files included. MySQL: every text column of the catalog and of
 * every store database.
 */
export async function whereItOccurs(t: TestGateway, needle: string): Promise<string[]> {
  if (t.engine === 'sqlite') {
    const bytes = Buffer.from(needle, 'utf8');
    return filesUnder(t.config.dataDir).filter((f) => /\.sqlite(-wal|-shm)?$/.test(f) && readFileSync(f).includes(bytes));
  }
  const stores = await catalogOf(t.gateway.services).getRepository(StoreEntity).find();
  const databases = [t.config.mysql!.catalogDatabase, ...stores.map((s) => s.databaseName)];
  const hits: string[] = [];
  await asMysqlAdmin(async (c) => {
    const [cols] = await c.query(
      `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t, COLUMN_NAME AS col FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA IN (?) AND DATA_TYPE IN ('varchar','char','text','mediumtext','longtext','tinytext','json')`,
      [databases],
    );
    for (const { db, t: table, col } of cols as { db: string; t: string; col: string }[]) {
      const [rows] = await c.query(`SELECT COUNT(*) AS n FROM \`${db}\`.\`${table}\` WHERE INSTR(CAST(\`${col}\` AS BINARY), CAST(? AS BINARY)) > 0`, [needle]);
      if (Number((rows as { n: number }[])[0].n) > 0) hits.push(`${db}.${table}.${col}`);
    }
  });
  return hits;
}

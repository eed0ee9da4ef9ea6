import type { TestGateway } from './gateway';
import { catalogOf } from './internals';

/** Every column of every table of the catalog that can hold text, from the database's own metadata. */
export async function catalogTextColumns(t: TestGateway): Promise<{ table: string; column: string }[]> {
  const catalog = catalogOf(t.gateway.services);
  if (t.engine === 'mysql') {
    const rows: { t: string; c: string }[] = await catalog.query(
      `SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = DATABASE()
         AND DATA_TYPE IN ('char','varchar','tinytext','text','mediumtext','longtext','json','enum','set','binary','varbinary','tinyblob','blob','mediumblob','longblob')
       ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    );
    return rows.map((r) => ({ table: r.t, column: r.c }));
  }
  // SQLite types values, not columns: any column may hold text, so every column is scanned.
  const tables: { name: string }[] = await catalog.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  const out: { table: string; column: string }[] = [];
  for (const { name } of tables) {
    const cols: { name: string }[] = await catalog.query(`PRAGMA table_info("${name.replace(/"/g, '""')}")`);
    out.push(...cols.map((c) => ({ table: name, column: c.name })));
  }
  return out;
}

/**
 * Where any of `needles` occurs in the catalog, case-insensitively (so lower- and upper-case
 * variants count too), as `table.column: needle`. Reads each text column whole: a test catalog
 * is small.
 */
export async function findInCatalog(t: TestGateway, needles: string[]): Promise<string[]> {
  const catalog = catalogOf(t.gateway.services);
  const q = (n: string) => (t.engine === 'mysql' ? `\`${n}\`` : `"${n}"`);
  const cast = (c: string) => (t.engine === 'mysql' ? `CONVERT(${q(c)} USING utf8mb4)` : `CAST(${q(c)} AS TEXT)`);
  const wanted = needles.map((n) => n.toLowerCase());
  const hits: string[] = [];
  for (const { table, column } of await catalogTextColumns(t)) {
    const rows: { v: string | Buffer | null }[] = await catalog.query(`SELECT ${cast(column)} AS v FROM ${q(table)} WHERE ${q(column)} IS NOT NULL`);
    for (const { v } of rows) {
      const text = String(v).toLowerCase();
      for (const [i, n] of wanted.entries()) if (text.includes(n)) hits.push(`${table}.${column}: ${needles[i]}`);
    }
  }
  return [...new Set(hits)];
}

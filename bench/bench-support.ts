/**
 * What every bench shares: the MariaDB it runs on, small formatting and sampling helpers, the
 * GraphQL call, and the clean-up that drops a bench's databases with their per-store users.
 */
import { Connection, createConnection, RowDataPacket } from 'mysql2/promise';
import { Config, parseMysqlUrl } from '../src/config';
import { dropStoreUser } from '../src/tenancy/store-credentials';

export const MYSQL_URL = (process.env.MYSQL_TEST_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
export const SERVER = parseMysqlUrl(MYSQL_URL);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const randInt = (r: () => number, n: number) => Math.floor(r() * n);
export const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** DATETIME(3) literal in UTC: what the gateway's connections (timezone 'Z') read and write. */
export const sqlTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A numeric command-line option: the default when absent, an error naming it when out of range. */
export function numberOption(raw: string | undefined, dflt: number, name: string, min: number): number {
  const n = raw === undefined || raw === '' ? dflt : Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}`);
  return n;
}

/** A root connection to one database of the bench server, reading times as UTC. */
export function storeConnection(database: string): Promise<Connection> {
  return createConnection({ host: SERVER.host, port: SERVER.port, user: SERVER.user, password: SERVER.password, database, charset: 'utf8mb4', timezone: 'Z' });
}

interface GqlBody {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** One GraphQL request over HTTP; any error fails the bench with the server's answer. */
export async function gql(url: string, key: string, query: string, variables?: Record<string, unknown>): Promise<Record<string, any>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as GqlBody;
  if (res.status !== 200 || body.errors?.length || !body.data) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  return body.data;
}

/**
 * Drops every database named with the bench's prefix and, given the bench gateway's
 * configuration, the MySQL user each store database was given (they would pile up otherwise).
 */
export async function dropBenchDatabases(prefix: string, config: Config | null): Promise<string[]> {
  const c = await createConnection({ host: SERVER.host, port: SERVER.port, user: SERVER.user, password: SERVER.password });
  try {
    // LIKE treats '_' as a wildcard: match loosely, then keep exact prefix matches only.
    const [found] = await c.query<RowDataPacket[]>('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?', [`${prefix}%`]);
    const names = found.map((r) => r.name as string).filter((name) => name.startsWith(prefix));
    for (const name of names) {
      await c.query(`DROP DATABASE \`${name}\``);
      // The store's user, on every host it was created for.
      if (config) await dropStoreUser(async (sql, params) => (await c.query(sql, params))[0], name);
    }
    return names;
  } finally {
    await c.end();
  }
}

import { Connection, createConnection } from 'mysql2/promise';
import type { Config, MysqlServer } from '../config';
import type { Logger } from '../logging';
import { endpointOptions } from './host-failover';

/** The server name SQLite stores carry: there is only the gateway host's disk. */
export const EMBEDDED_SERVER = 'embedded';
/** The catalog's own MySQL server, always available to stores. */
export const DEFAULT_SERVER = 'default';

/** The names a store may live on, in configuration order (`default` first). */
export function storeServerNames(config: Config): string[] {
  return config.engine === 'mysql' ? Object.keys(config.storeServers) : [EMBEDDED_SERVER];
}

/**
 * A configured store server by name. A catalog row naming a server this instance does not know
 * (configuration differs between instances, or a server was removed) fails loudly: silently
 * opening the store elsewhere would serve an empty database.
 */
export function storeServer(config: Config, name: string): MysqlServer {
  const server = config.storeServers[name];
  if (!server) throw new Error(`store server "${name}" is not configured (STORE_SERVERS)`);
  return server;
}

/** A short-lived administrator connection to a store server (create/drop databases and users, copy). */
export async function adminConnection(config: Config, name: string, route?: string): Promise<Connection> {
  const s = storeServer(config, name);
  return createConnection({
    ...endpointOptions(s, route),
    user: s.user,
    password: s.password,
    connectTimeout: config.dbConnectTimeoutMs,
    charset: 'utf8mb4_bin',
    timezone: 'Z',
    // Rows are copied as the server gives them: no Date, JSON or number conversion on the way.
    dateStrings: true,
    jsonStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
}

/** `route`: a store's database name, to reach its home node on a cluster (host-failover.ts). */
export async function withAdmin<T>(config: Config, name: string, work: (c: Connection) => Promise<T>, route?: string): Promise<T> {
  const c = await adminConnection(config, name, route);
  try {
    return await work(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Finds out, per store server, whether it is MariaDB or MySQL (TypeORM's dialects differ). A
 * server that does not answer at start does not stop the gateway (its stores fail until it
 * does); it is assumed to be of the catalog's kind.
 */
export async function prepareStoreServers(config: Config, log: Logger): Promise<Config> {
  const flavor = config.mysql?.flavor;
  const servers: Record<string, MysqlServer> = {};
  for (const [name, server] of Object.entries(config.storeServers)) {
    if (name === DEFAULT_SERVER) {
      servers[name] = { ...server, flavor };
      continue;
    }
    try {
      const v = await withAdmin(config, name, async (c) => {
        const [rows] = await c.query('SELECT VERSION() AS v');
        return String((rows as { v: string }[])[0].v);
      });
      servers[name] = { ...server, flavor: /mariadb/i.test(v) ? 'mariadb' : 'mysql' };
    } catch (err) {
      log.warn({ server: name, err: err instanceof Error ? err.message : String(err) }, 'store server did not answer at start');
      servers[name] = { ...server, flavor };
    }
  }
  return { ...config, storeServers: servers };
}

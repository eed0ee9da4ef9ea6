import { createHash, createHmac, hkdfSync } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { STORE_DB_HOST, type Config } from '../config';
import { StoreCredentialEntity } from '../entities/catalog/store-credential.entity';
import type { StoreEntity } from '../entities/catalog';
import { DEFAULT_SERVER, storeServer, withAdmin } from './store-servers';

/** Stores created now start here; 0 is the scheme from before rotation existed (see below). */
export const FIRST_GENERATION = 1;

/** The only privileges the gateway uses on a store database as its user: rows, never schema. */
export const STORE_DB_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';

/** HKDF salt: names the purpose, so these keys share nothing with the subject hashes'. */
const PASSWORD_LABEL = 'privacy-gateway/store-db-password';

/** The catalog, as these need it: a DataSource or its manager. */
export type CatalogQueries = Pick<EntityManager, 'getRepository' | 'query'>;

export type AdminQuery = (sql: string, params?: unknown[]) => Promise<unknown>;

export function storeDbUserName(databaseName: string): string {
  // Derived from the name alone: stable across generations and servers (a moved store keeps it).
  return `pgw_${createHash('sha256').update(databaseName).digest('hex').slice(0, 24)}`;
}

/**
 * A store database user's password at a generation. Generation 0 is the old scheme (an HMAC of
 * SUBJECT_HASH_SECRET), kept so stores created before rotation existed still open; every later
 * generation is HKDF-SHA256 over STORE_DB_SECRET (or, unset, SUBJECT_HASH_SECRET) with a label
 * of its own, the generation and the database name as info.
 */
export function storeDbPassword(config: Config, databaseName: string, generation: number): string {
  if (generation === 0) return createHmac('sha256', config.subjectHashSecret).update(`store-db-user\u0000${databaseName}`).digest('base64url');
  const ikm = config.storeDbSecret ?? config.subjectHashSecret;
  return Buffer.from(hkdfSync('sha256', ikm, PASSWORD_LABEL, `v1\u0000${generation}\u0000${databaseName}`, 24)).toString('base64url');
}

/** The catalog's record of a store's password generation (0 without a row). */
export async function credentialGeneration(catalog: CatalogQueries, storeId: string): Promise<number> {
  const row = await catalog.getRepository(StoreCredentialEntity).findOneBy({ storeId });
  return row?.generation ?? 0;
}

export async function recordGeneration(catalog: CatalogQueries, storeId: string, generation: number): Promise<void> {
  await catalog.getRepository(StoreCredentialEntity).upsert({ storeId, generation, rotatedAt: new Date() }, ['storeId']);
}

/** The hosts a store user is created for: configured, or where the server sees the gateway come from. */
export async function storeUserHosts(config: Config, query: AdminQuery): Promise<string[]> {
  if (config.storeDbUserHosts?.length) return config.storeDbUserHosts;
  const rows = (await query("SELECT SUBSTRING_INDEX(USER(), '@', -1) AS h")) as { h: string }[];
  const host = String(rows[0]?.h ?? '');
  if (!STORE_DB_HOST.test(host)) throw new Error('cannot tell the host the gateway connects from; set STORE_DB_USER_HOST');
  return [host];
}

/**
 * Makes a store's database user exactly what the gateway needs, at a password generation: one
 * account per allowed host (accounts on other hosts, such as the old `'%'`, are dropped), that
 * password, and SELECT/INSERT/UPDATE/DELETE on its own database only. Migrations run as the
 * administrator. Existing sessions keep working (MySQL checks database grants at connect).
 */
export async function provisionStoreUser(query: AdminQuery, config: Config, databaseName: string, generation: number): Promise<void> {
  assertSafeName(databaseName);
  const user = storeDbUserName(databaseName);
  const password = storeDbPassword(config, databaseName, generation);
  const hosts = await storeUserHosts(config, query);
  const existing = ((await query('SELECT Host AS h FROM mysql.user WHERE User = ?', [user])) as { h: string }[]).map((r) => String(r.h));
  for (const host of hosts) {
    // Identifiers and hosts cannot be bound parameters; both are generated or checked here.
    if (existing.includes(host)) {
      await query(`ALTER USER '${user}'@'${host}' IDENTIFIED BY ?`, [password]);
      await query(`REVOKE ALL PRIVILEGES, GRANT OPTION FROM '${user}'@'${host}'`);
    } else {
      await query(`CREATE USER '${user}'@'${host}' IDENTIFIED BY ?`, [password]);
    }
    await query(`GRANT ${STORE_DB_PRIVILEGES} ON \`${databaseName}\`.* TO '${user}'@'${host}'`);
  }
  for (const host of existing) if (!hosts.includes(host) && STORE_DB_HOST.test(host)) await query(`DROP USER '${user}'@'${host}'`);
}

/** Drops a store's database user, on every host it was created for. */
export async function dropStoreUser(query: AdminQuery, databaseName: string): Promise<void> {
  assertSafeName(databaseName);
  const user = storeDbUserName(databaseName);
  const hosts = ((await query('SELECT Host AS h FROM mysql.user WHERE User = ?', [user])) as { h: string }[]).map((r) => String(r.h));
  for (const host of hosts) if (STORE_DB_HOST.test(host)) await query(`DROP USER IF EXISTS '${user}'@'${host}'`);
}

/** Runs `work` with administrator statements on a store server (`default`: the catalog's connection). */
export async function onStoreServer<T>(config: Config, catalog: CatalogQueries, server: string, work: (query: AdminQuery) => Promise<T>, route?: string): Promise<T> {
  // A cluster (several hosts): through the store's home node when `route` names the store.
  if (server === DEFAULT_SERVER && !(route && storeServer(config, server).failover)) return work((sql, params) => catalog.query(sql, params));
  return withAdmin(
    config,
    server,
    async (c) =>
      work(async (sql, params) => {
        const [rows] = await c.query(sql, params);
        return rows;
      }),
    route,
  );
}

/**
 * Moves one store to the next password generation: the user gets the new password (and the
 * host list and grants of today's rules), then the catalog records the generation. Gateways
 * notice the new generation on their next request for the store and reopen its pool with the
 * new password; connections already open keep working meanwhile, so requests in flight finish.
 */
export async function rotateStoreCredentials(config: Config, catalog: CatalogQueries, store: Pick<StoreEntity, 'id' | 'databaseName' | 'server'>): Promise<number> {
  const next = (await credentialGeneration(catalog, store.id)) + 1;
  await onStoreServer(config, catalog, store.server, (query) => provisionStoreUser(query, config, store.databaseName, next));
  await recordGeneration(catalog, store.id, next);
  return next;
}

function assertSafeName(name: string): void {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new Error('unsafe database identifier');
}

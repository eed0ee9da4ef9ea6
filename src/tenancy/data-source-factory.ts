import { createHash, createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource, DataSourceOptions, Logger as TypeOrmLogger } from 'typeorm';
import type { Config, MysqlServer } from '../config';
import { CATALOG_ENTITIES } from '../entities/catalog';
import { STORE_ENTITIES } from '../entities/store';
import { CATALOG_MIGRATIONS } from '../migrations/catalog';
import { STORE_MIGRATIONS } from '../migrations/store';
import { DEFAULT_SERVER, storeServer, withAdmin } from './store-servers';

/**
 * SQLite pragmas for every file we open. `secure_delete` overwrites deleted content so a
 * forgotten e-mail does not linger in free pages; WAL lets readers run beside a writer.
 */
function prepareSqlite(db: { pragma(sql: string): unknown }): void {
  db.pragma('journal_mode = WAL');
  db.pragma('secure_delete = ON');
  db.pragma('synchronous = NORMAL');
}

export function sqliteOptions(file: string, kind: 'catalog' | 'store', logger: TypeOrmLogger): DataSourceOptions {
  return {
    type: 'better-sqlite3',
    database: file,
    entities: kind === 'catalog' ? CATALOG_ENTITIES : STORE_ENTITIES,
    migrations: kind === 'catalog' ? CATALOG_MIGRATIONS : STORE_MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    // A store database is brought up to date when it is opened, so none serves an old schema.
    migrationsRun: kind === 'store',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['query', 'error', 'warn'],
    logger,
    timeout: 5000,
    prepareDatabase: prepareSqlite,
  };
}

export function mysqlOptions(
  server: MysqlServer,
  database: string,
  kind: 'catalog' | 'store',
  poolSize: number,
  connectTimeoutMs: number,
  logger: TypeOrmLogger,
  queryTimeoutMs = 0,
  /** Stores: the route (database name) that picks the store's home node on a several-host server. */
  route?: string,
): DataSourceOptions {
  const stream = server.failover ? (route ? server.failover.routed(route) : server.failover.connect) : undefined;
  return {
    type: server.flavor ?? 'mysql',
    host: server.host,
    port: server.port,
    username: server.user,
    password: server.password,
    database,
    charset: 'utf8mb4_bin',
    timezone: 'Z',
    entities: kind === 'catalog' ? CATALOG_ENTITIES : STORE_ENTITIES,
    migrations: kind === 'catalog' ? CATALOG_MIGRATIONS : STORE_MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    // A store database is brought up to date when it is opened, so none serves an old schema.
    migrationsRun: kind === 'store',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['query', 'error', 'warn'],
    logger,
    poolSize,
    connectTimeout: connectTimeoutMs,
    // A hung server must fail requests, not hold them: every statement gets a deadline.
    enableQueryTimeout: queryTimeoutMs > 0,
    maxQueryExecutionTime: queryTimeoutMs || undefined,
    // Bound the wait for a pooled connection: a slow database must not queue requests forever.
    // A server with several hosts (Galera nodes) connects through its picker (host-failover.ts).
    extra: { queueLimit: 200, waitForConnections: true, enableKeepAlive: true, ...(stream ? { stream } : {}) },
  };
}

export function catalogOptions(config: Config, logger: TypeOrmLogger): DataSourceOptions {
  if (config.engine === 'mysql' && config.mysql) {
    return mysqlOptions(config.mysql, config.mysql.catalogDatabase, 'catalog', config.catalogPoolSize, config.dbConnectTimeoutMs, logger, config.dbQueryTimeoutMs);
  }
  mkdirSync(config.dataDir, { recursive: true });
  return sqliteOptions(join(config.dataDir, 'catalog.sqlite'), 'catalog', logger);
}

export function sqliteStoreFile(config: Config, databaseName: string): string {
  return join(config.dataDir, 'stores', `${databaseName}.sqlite`);
}

/**
 * On MySQL each store database has a user of its own whose grants cover that database alone,
 * and the gateway reads a store only as that user: a bug that builds the wrong query still
 * cannot reach another tenant. The password is derived from the server secret, so nothing
 * more needs storing.
 */
export function storeDbUser(config: Config, databaseName: string): { user: string; password: string } {
  return {
    user: `pgw_${createHash('sha256').update(databaseName).digest('hex').slice(0, 24)}`,
    password: createHmac('sha256', config.subjectHashSecret).update(`store-db-user\u0000${databaseName}`).digest('base64url'),
  };
}

/** A store database's options on the named store server (`default`: the catalog's server). */
export function storeOptions(config: Config, databaseName: string, logger: TypeOrmLogger, server = DEFAULT_SERVER): DataSourceOptions {
  if (config.engine === 'mysql' && config.mysql) {
    const { user, password } = storeDbUser(config, databaseName);
    // On a cluster a store's connections go to its home node (host-failover.ts): its writes go
    // through one node at a time, whichever instance serves them.
    return mysqlOptions({ ...storeServer(config, server), user, password }, databaseName, 'store', config.storePoolSize, config.dbConnectTimeoutMs, logger, config.dbQueryTimeoutMs, databaseName);
  }
  mkdirSync(join(config.dataDir, 'stores'), { recursive: true });
  return sqliteOptions(sqliteStoreFile(config, databaseName), 'store', logger);
}

/**
 * Creates (MySQL) the database a new store lives in, with its user, on the named store server,
 * then brings its schema up to date.
 */
export async function createStoreDatabase(config: Config, catalog: DataSource, databaseName: string, logger: TypeOrmLogger, server = DEFAULT_SERVER): Promise<void> {
  if (config.engine === 'mysql') {
    assertSafeIdentifier(databaseName);
    const { user, password } = storeDbUser(config, databaseName);
    const run = async (query: (sql: string, params?: unknown[]) => Promise<unknown>) => {
      await query(`CREATE DATABASE IF NOT EXISTS \`${databaseName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
      // Identifiers cannot be bound parameters; both are generated here and checked above.
      await query(`CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED BY ?`, [password]);
      await query(`GRANT ALL PRIVILEGES ON \`${databaseName}\`.* TO '${user}'@'%'`);
    };
    // On a cluster, through the store's home node, where its pool connects next: a DDL
    // statement is applied on the other nodes in the same order, but not necessarily yet.
    if (server === DEFAULT_SERVER && !storeServer(config, server).failover) await run((sql, params) => catalog.query(sql, params));
    else await withAdmin(config, server, (c) => run((sql, params) => c.query(sql, params)), databaseName);
  }
  // Opening it runs the migrations (migrationsRun).
  const ds = new DataSource(storeOptions(config, databaseName, logger, server));
  await ds.initialize();
  await ds.destroy();
}

export function assertSafeIdentifier(name: string): void {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new Error(`unsafe database identifier`);
}

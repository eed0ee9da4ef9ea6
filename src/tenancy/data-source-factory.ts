import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource, DataSourceOptions, EntitySubscriberInterface, EventSubscriber, Logger as TypeOrmLogger } from 'typeorm';
import type { AfterQueryEvent } from 'typeorm/subscriber/event/QueryEvent';
import type { Config, MysqlServer } from '../config';
import { CATALOG_ENTITIES } from '../entities/catalog';
import { STORE_ENTITIES } from '../entities/store';
import { CATALOG_MIGRATIONS } from '../migrations/catalog';
import { STORE_MIGRATIONS } from '../migrations/store';
import { DEFAULT_SERVER, storeServer } from './store-servers';
import { type CatalogQueries, FIRST_GENERATION, onStoreServer, provisionStoreUser, storeDbPassword, storeDbUserName } from './store-credentials';

/**
 * SQLite pragmas for every file we open. `secure_delete` overwrites deleted content so a
 * forgotten e-mail does not linger in free pages; WAL lets readers run beside a writer.
 * The catalog commits with `synchronous = FULL`: its audit entries and forget ledger are
 * evidence, written before a response leaves, and must survive a power cut or OS crash, not
 * only a crash of the process (NORMAL in WAL mode may lose the last commits then). Store
 * files keep NORMAL: the client resends an unacknowledged batch, and a forget is recorded in
 * the ledger first, which replays it.
 */
function prepareSqlite(kind: 'catalog' | 'store') {
  return (db: { pragma(sql: string): unknown }): void => {
    db.pragma('journal_mode = WAL');
    db.pragma('secure_delete = ON');
    db.pragma(kind === 'catalog' ? 'synchronous = FULL' : 'synchronous = NORMAL');
  };
}

/**
 * The data folders hold personal data and the subject-hash secret: only the gateway's user may
 * enter them (0700), whatever the umask. An existing folder is tightened too.
 */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch (err) {
    // A folder the operator provides but does not own (a mount point): its mode is theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
}

/**
 * SQLite creates a database with the process umask (usually 0644: readable by every local
 * user) and gives its -wal and -shm files the database file's mode. So the file is created
 * 0600 before SQLite opens it, and files from before this rule are tightened when opened.
 */
export function privateSqliteFile(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) if (existsSync(f)) chmodSync(f, 0o600);
}

export function sqliteOptions(file: string, kind: 'catalog' | 'store', logger: TypeOrmLogger): DataSourceOptions {
  privateSqliteFile(file);
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
    prepareDatabase: prepareSqlite(kind),
  };
}

/**
 * Makes `DB_QUERY_TIMEOUT_MS` a deadline for the connection too. mysql2 answers a statement that
 * outlived its timeout with PROTOCOL_SEQUENCE_TIMEOUT but leaves it running on the connection:
 * the transaction's ROLLBACK then queued behind it until the server gave up (a lock wait: up to
 * innodb_lock_wait_timeout, 50 s), the request hung that long and the transaction kept its locks
 * (issue 17). So the connection is dropped at once: the ROLLBACK fails fast, the pool opens a
 * fresh one, and the server rolls the transaction back when it sees the connection gone.
 */
@EventSubscriber()
export class DropTimedOutConnections implements EntitySubscriberInterface {
  afterQuery(event: AfterQueryEvent): void {
    const code = (event.error as { code?: string } | undefined)?.code;
    if (code !== 'PROTOCOL_SEQUENCE_TIMEOUT') return;
    const connection = (event.queryRunner as unknown as { databaseConnection?: { destroy?: () => void; stream?: { destroy?: () => void } } } | undefined)?.databaseConnection;
    connection?.destroy?.();
    // destroy() only half-closes the socket (a polite FIN); a server that does not answer would
    // keep it open, and the process with it.
    connection?.stream?.destroy?.();
  }
}

export function mysqlOptions(
  server: MysqlServer,
  database: string,
  kind: 'catalog' | 'store',
  poolSize: number,
  connectTimeoutMs: number,
  logger: TypeOrmLogger,
  queryTimeoutMs = 0,
  /** Store databases on MySQL are migrated by the administrator, not by their own user. */
  migrationsRun = kind === 'store',
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
    migrationsRun,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['query', 'error', 'warn'],
    logger,
    poolSize,
    connectTimeout: connectTimeoutMs,
    // A hung server must fail requests, not hold them: every statement gets a deadline.
    enableQueryTimeout: queryTimeoutMs > 0,
    maxQueryExecutionTime: queryTimeoutMs || undefined,
    subscribers: queryTimeoutMs > 0 ? [DropTimedOutConnections] : [],
    // Bound the wait for a pooled connection: a slow database must not queue requests forever.
    // The catalog's pool serves every request of every store (key, store row, audit subjects,
    // audit entry), a store's pool only that store's: the catalog's queue is the longer one.
    // A server with several hosts (Galera nodes) connects through its picker (host-failover.ts).
    // trace: false: mysql2 otherwise captures an Error (a stack) per statement to decorate the
    // rare failure's stack, about 5 % of a profile read's CPU. Failures still carry their message and code.
    extra: { queueLimit: kind === 'catalog' ? 1000 : 200, waitForConnections: true, enableKeepAlive: true, trace: false, ...(stream ? { stream } : {}) },
  };
}

export function catalogOptions(config: Config, logger: TypeOrmLogger): DataSourceOptions {
  if (config.engine === 'mysql' && config.mysql) {
    return mysqlOptions(config.mysql, config.mysql.catalogDatabase, 'catalog', config.catalogPoolSize, config.dbConnectTimeoutMs, logger, config.dbQueryTimeoutMs);
  }
  privateDir(config.dataDir);
  return sqliteOptions(join(config.dataDir, 'catalog.sqlite'), 'catalog', logger);
}

export function sqliteStoreFile(config: Config, databaseName: string): string {
  return join(config.dataDir, 'stores', `${databaseName}.sqlite`);
}

/**
 * On MySQL each store database has a user of its own whose grants cover that database alone
 * (rows only: SELECT, INSERT, UPDATE, DELETE), and the gateway reads a store only as that user:
 * a bug that builds the wrong query still cannot reach another tenant. The password is derived
 * (see store-credentials.ts) at the store's credential generation, so nothing more is stored.
 */
export function storeDbUser(config: Config, databaseName: string, generation = FIRST_GENERATION): { user: string; password: string } {
  return { user: storeDbUserName(databaseName), password: storeDbPassword(config, databaseName, generation) };
}

/** A store database's options on the named store server (`default`: the catalog's server), as its own user. */
export function storeOptions(config: Config, databaseName: string, logger: TypeOrmLogger, server = DEFAULT_SERVER, generation = FIRST_GENERATION): DataSourceOptions {
  if (config.engine === 'mysql' && config.mysql) {
    const { user, password } = storeDbUser(config, databaseName, generation);
    // On a cluster a store's connections go to its home node (host-failover.ts): its writes go
    // through one node at a time, whichever instance serves them.
    return mysqlOptions({ ...storeServer(config, server), user, password }, databaseName, 'store', config.storePoolSize, config.dbConnectTimeoutMs, logger, config.dbQueryTimeoutMs, false, databaseName);
  }
  privateDir(config.dataDir);
  privateDir(join(config.dataDir, 'stores'));
  return sqliteOptions(sqliteStoreFile(config, databaseName), 'store', logger);
}

/** Brings a MySQL store database's schema up to date as the server's administrator. */
export async function migrateStoreAsAdmin(config: Config, databaseName: string, logger: TypeOrmLogger, server = DEFAULT_SERVER): Promise<void> {
  // On a cluster, through the store's home node, where its pool connects: DDL reaches the other
  // nodes in the same order, but not necessarily yet.
  const admin = new DataSource(mysqlOptions(storeServer(config, server), databaseName, 'store', 1, config.dbConnectTimeoutMs, logger, 0, true, databaseName));
  await admin.initialize();
  await admin.destroy();
}

/**
 * Opens a store database for serving. SQLite migrates on open. On MySQL the store's own user
 * (which may not change the schema) checks for pending migrations, and the administrator runs
 * them when there are any: after a deploy, the first open of each store.
 */
export async function openStoreDataSource(config: Config, databaseName: string, logger: TypeOrmLogger, server = DEFAULT_SERVER, generation = FIRST_GENERATION): Promise<DataSource> {
  const ds = await new DataSource(storeOptions(config, databaseName, logger, server, generation)).initialize();
  if (config.engine !== 'mysql') return ds;
  try {
    if (await ds.showMigrations()) await migrateStoreAsAdmin(config, databaseName, logger, server);
    return ds;
  } catch (err) {
    await ds.destroy().catch(() => undefined);
    throw err;
  }
}

/**
 * Creates (MySQL) the database a new store lives in, with its user at the given password
 * generation, on the named store server, then brings its schema up to date.
 */
export async function createStoreDatabase(
  config: Config,
  catalog: CatalogQueries,
  databaseName: string,
  logger: TypeOrmLogger,
  server = DEFAULT_SERVER,
  generation = FIRST_GENERATION,
): Promise<void> {
  if (config.engine === 'mysql') {
    assertSafeIdentifier(databaseName);
    await onStoreServer(config, catalog, server, async (query) => {
      await query(`CREATE DATABASE IF NOT EXISTS \`${databaseName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
      await provisionStoreUser(query, config, databaseName, generation);
    }, databaseName);
    await migrateStoreAsAdmin(config, databaseName, logger, server);
    return;
  }
  // Opening it runs the migrations (migrationsRun).
  const ds = new DataSource(storeOptions(config, databaseName, logger, server));
  await ds.initialize();
  await ds.destroy();
}

export function assertSafeIdentifier(name: string): void {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new Error(`unsafe database identifier`);
}

import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Connection, createConnection } from 'mysql2/promise';
import type { Engine } from '../../src/config';
import { loadConfig, parseMysqlUrl } from '../../src/config';
import { sqliteStoreFile } from '../../src/tenancy/data-source-factory';
import { dropDatabases, gqlClient, MYSQL_TEST_URL, TEST_RECEIPT_KEY, TestGateway } from './gateway';

const ROOT = join(__dirname, '..', '..');

/** The databases a gateway process runs on; they outlive its processes, so a restart finds them. */
export interface ProcessDatabases {
  engine: Engine;
  env: Record<string, string>;
  adminKey: string;
  /** Raw SQL on the catalog, outside the gateway (the test's own connection). */
  catalogSql<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Raw SQL on a store's database, outside the gateway. */
  storeSql<T = Record<string, unknown>>(storeId: string, sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  /** As TestGateway's, so fixtures work against a process too. */
  gql: TestGateway['gql'];
  adminKey: string;
  output(): string;
  exited: Promise<number | null>;
}

/** Fresh databases for gateway processes: a temporary folder (SQLite) or a `pgwt_*` catalog (MySQL). */
export async function processDatabases(engine: Engine): Promise<ProcessDatabases> {
  const tag = randomBytes(4).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), `pgw-proc-${tag}-`));
  const adminKey = `test-admin-${randomBytes(16).toString('hex')}`;
  const catalogDb = `pgwt_${tag}`;
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    BOOTSTRAP_ADMIN_KEY: adminKey,
    SEED_DEMO: '0',
    ...(engine === 'mysql' ? { DATABASE_URL: `${MYSQL_TEST_URL}/${catalogDb}`, SUBJECT_HASH_SECRET: randomBytes(32).toString('hex'), RECEIPT_SIGNING_KEY: TEST_RECEIPT_KEY } : {}),
  };
  const config = loadConfig(env);
  if (engine === 'sqlite') {
    const open = (file: string) => new Database(file, { fileMustExist: true, timeout: 5000 });
    const run = <T>(file: string, sql: string, params: unknown[]): T[] => {
      const db = open(file);
      try {
        const st = db.prepare(sql);
        return st.reader ? (st.all(...params) as T[]) : (st.run(...params), []);
      } finally {
        db.close();
      }
    };
    const catalogFile = join(dataDir, 'catalog.sqlite');
    const dbName = (storeId: string) => run<{ databaseName: string }>(catalogFile, 'SELECT databaseName FROM stores WHERE id = ?', [storeId])[0].databaseName;
    return {
      engine,
      env,
      adminKey,
      catalogSql: async (sql, params = []) => run(catalogFile, sql, params),
      storeSql: async (storeId, sql, params = []) => run(sqliteStoreFile(config, dbName(storeId)), sql, params),
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const s = parseMysqlUrl(MYSQL_TEST_URL);
  let conn: Connection | null = null;
  const c = async () => (conn ??= await createConnection({ host: s.host, port: s.port, user: s.user, password: s.password, timezone: 'Z', dateStrings: true }));
  const query = async <T>(db: string, sql: string, params: unknown[]) => {
    const x = await c();
    await x.query(`USE \`${db}\``);
    return (await x.query(sql, params))[0] as T[];
  };
  return {
    engine,
    env,
    adminKey,
    catalogSql: (sql, params = []) => query(catalogDb, sql, params),
    storeSql: async (storeId, sql, params = []) => {
      const [{ databaseName }] = await query<{ databaseName: string }>(catalogDb, 'SELECT databaseName FROM stores WHERE id = ?', [storeId]);
      return query(databaseName, sql, params);
    },
    drop: async () => {
      await (conn as Connection | null)?.end();
      await dropDatabases(catalogDb, config);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The port a starting gateway announces ("listening on http://localhost:<port>"), read from its
 * output; rejects when the process exits first. `output` is everything it has written so far.
 */
export function listeningPort(child: ChildProcess, what = 'the process'): { port: Promise<number>; output: () => string } {
  let out = '';
  const port = new Promise<number>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on http:\/\/localhost:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', () => reject(new Error(`${what} exited early: ${out}`)));
  });
  return { port, output: () => out };
}

const started: ChildProcess[] = [];
/** Call from afterAll: no gateway process outlives its test file. */
export function killStartedProcesses(): void {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** The real entry point (`src/main.ts`, from source) as its own process on `dbs`, listening on a free port. */
export async function startGatewayProcess(dbs: ProcessDatabases, env: Record<string, string> = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'info', RETENTION_INTERVAL: '0', ...dbs.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const { port, output } = listeningPort(child, 'the gateway process');
  const url = `http://127.0.0.1:${await port}/graphql`;
  return { child, url, gql: gqlClient(url), adminKey: dbs.adminKey, output, exited };
}

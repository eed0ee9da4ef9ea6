import 'reflect-metadata';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Connection, createConnection } from 'mysql2/promise';
import { dropStoreUser } from '../../src/tenancy/store-credentials';
import { createGateway, Gateway, GatewayOptions } from '../../src/app';
import { Config, Engine, loadConfig, parseMysqlUrl } from '../../src/config';
import { createLogger } from '../../src/logging';

/** A receipt signing key for MySQL-mode gateways in tests (required there; SQLite generates its own). */
export const TEST_RECEIPT_KEY = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

export const MYSQL_TEST_URL = process.env.MYSQL_TEST_URL ?? 'mysql://root@127.0.0.1:3306';

/** The engines this run covers (decided in global-setup.ts). */
export const ENGINES: Engine[] = (process.env.PGW_TEST_ENGINES ?? 'sqlite').split(',') as Engine[];

export interface GqlResult<T = Record<string, any>> {
  status: number;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface TestGateway {
  engine: Engine;
  gateway: Gateway;
  config: Config;
  url: string;
  /** The metrics listener's `/metrics` (its own port, on loopback). */
  metricsUrl: string;
  adminKey: string;
  /** A GraphQL request over HTTP, as a client sends it. */
  gql<T = Record<string, any>>(key: string | null, query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
  close(): Promise<void>;
}

/**
 * A gateway on its own databases: a temporary folder (SQLite) or a catalog database with a
 * random name whose store databases share its prefix (MySQL). `close` drops all of them.
 * `options` as `createGateway` takes them (the playground's demo key and examples).
 */
export interface TestGatewayOptions extends GatewayOptions {
  /** Collects every log line the gateway writes (parsed JSON), for log tests. */
  logs?: Record<string, unknown>[];
}

export async function startTestGateway(engine: Engine, env: Record<string, string> = {}, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const tag = randomBytes(4).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), `pgw-test-${tag}-`));
  const adminKey = `test-admin-${randomBytes(16).toString('hex')}`;
  const catalogDb = `pgwt_${tag}`;
  const config = loadConfig({
    DATA_DIR: dataDir,
    BOOTSTRAP_ADMIN_KEY: adminKey,
    SEED_DEMO: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Tests run side by side: each gateway's metrics listener takes a free port.
    METRICS_PORT: '0',
    // Every document compiled from its first execution: the path hot documents take in production
    // (the interpreter's is the same answer: test/unit/compiled-executor.test.ts).
    GRAPHQL_COMPILE_AFTER: '0',
    ...(engine === 'mysql' ? { DATABASE_URL: `${MYSQL_TEST_URL}/${catalogDb}`, SUBJECT_HASH_SECRET: randomBytes(32).toString('hex'), RECEIPT_SIGNING_KEY: TEST_RECEIPT_KEY } : {}),
    ...env,
  });
  const { logs: sink, ...gatewayOptions } = options;
  const destination = sink ? { write: (line: string) => void sink.push(JSON.parse(line)) } : undefined;
  const gateway = await createGateway(config, createLogger(sink ? 'debug' : config.logLevel, destination), gatewayOptions);
  const server = await gateway.listen(0);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const metricsServer = gateway.metricsServer();
  const metricsUrl = metricsServer ? `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}/metrics` : '';
  return {
    engine,
    gateway,
    config,
    url,
    metricsUrl,
    adminKey,
    gql: gqlClient(url),
    async close() {
      await gateway.stop();
      if (engine === 'mysql') await dropDatabases(catalogDb, config);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs statements as the MySQL test server's administrator (root), outside the gateway. */
export async function asMysqlAdmin<T>(work: (c: Connection) => Promise<T>): Promise<T> {
  const s = parseMysqlUrl(MYSQL_TEST_URL);
  const c = await createConnection({ host: s.host, port: s.port, user: s.user, password: s.password, multipleStatements: false });
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** Drops every database named with this prefix, and the per-store users of those databases. */
export async function dropDatabases(prefix: string, config?: Config): Promise<void> {
  await asMysqlAdmin(async (c) => {
    const [rows] = await c.query('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?', [`${prefix}%`]);
    for (const r of rows as { name: string }[]) {
      await c.query(`DROP DATABASE \`${r.name}\``);
      // The store's user, on every host it was created for.
      if (config) await dropStoreUser(async (sql, params) => (await c.query(sql, params))[0], r.name);
    }
  });
}

/** A GraphQL client over HTTP, as a frontend sends requests: POST, JSON, bearer key. */
export function gqlClient(url: string): TestGateway['gql'] {
  return async (key, query, variables) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as GqlResult;
    return { status: res.status, data: body.data as never, errors: body.errors };
  };
}

/** Throws with the errors when a result has any: keeps test failures readable. */
export function ok<T>(r: GqlResult<T>): T {
  if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data as T;
}

export const codes = (r: GqlResult) => (r.errors ?? []).map((e) => e.extensions?.code);

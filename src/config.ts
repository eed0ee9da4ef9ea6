import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { z } from 'zod';

/**
 * Configuration is read from the environment once, validated, and passed down explicitly.
 * A wrong value stops the process with a message naming the variable.
 */
const boolish = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

/** A duration such as `24h`, `30m`, `90s`, `500ms` (`0`/`off`: none), in milliseconds. */
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, c) => {
      try {
        return parseInterval(v);
      } catch (e) {
        c.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    });

/** A MySQL account host pattern: `%`, `10.0.0.%`, `localhost`, an address. Quoted into SQL, so nothing else. */
export const STORE_DB_HOST = /^[A-Za-z0-9.:_%-]{1,255}$/;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  METRICS_PORT: z
    .string()
    .default('9464')
    .transform((v, c) => {
      if (v === 'off') return null;
      const n = /^\d{1,5}$/.test(v) ? Number(v) : NaN;
      if (!(n >= 0 && n <= 65535)) {
        c.addIssue({ code: 'custom', message: 'must be a port number (0-65535; 0 picks a free port) or off' });
        return z.NEVER;
      }
      return n;
    }),
  METRICS_HOST: z.string().min(1).max(255).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^mysql:\/\//, 'must be a mysql://user:pass@host:port[,host:port…][/catalog] URL')
    .optional(),
  DB_PROBE_INTERVAL: duration('1s').refine((ms) => ms >= 100, 'must be at least 100ms'),
  DATA_DIR: z.string().min(1).default('./data'),
  BOOTSTRAP_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  SEED_DEMO: boolish.optional(),
  SUBJECT_HASH_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  STORE_DB_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  STORE_DB_USER_HOST: z
    .string()
    .transform((v) => v.split(',').map((h) => h.trim()).filter(Boolean))
    .refine((hosts) => hosts.length > 0 && hosts.every((h) => STORE_DB_HOST.test(h)), 'must be a comma-separated list of MySQL host patterns (letters, digits, . : - _ %)')
    .optional(),
  MAX_OPEN_STORES: z.coerce.number().int().min(1).max(10000).default(100),
  GRAPHQL_COMPILE_AFTER: z
    .string()
    .regex(/^(off|\d{1,6})$/, 'expected a count of executions (0: compile on first use) or off')
    .default('1')
    .transform((v) => (v === 'off' ? null : Number(v))),
  STORE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(4),
  CATALOG_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(6000),
  RATE_LIMIT_ANON_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(30000),
  RETENTION_INTERVAL: duration('24h'),
  RETENTION_START_DELAY: duration('1m'),
  FORGET_RECOVERY_INTERVAL: duration('1m'),
  LEASE_TTL: duration('30s').refine((ms) => ms >= 1000, 'must be at least 1s'),
  RETENTION_CHUNK: z.coerce.number().int().min(10).max(100000).default(1000),
  DATA_REGION: z.string().min(1).max(100).default('not configured'),
  BACKUP_REGION: z.string().min(1).max(100).default('not configured'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  STORE_SERVERS: z.string().optional(),
  WEBHOOK_ALLOW_PRIVATE: boolish.default('false'),
  WEBHOOK_RETRY_BASE: duration('5s').refine((ms) => ms >= 10 && ms <= 10_000, 'must be 10ms-10s (the first retry comes within 10 s)'),
  WEBHOOK_RETRY_FOR: duration('24h').refine((ms) => ms >= 1000, 'must be at least 1s'),
  WEBHOOK_TIMEOUT: duration('10s').refine((ms) => ms >= 100 && ms <= 60_000, 'must be 100ms-60s'),
  WEBHOOK_POLL_INTERVAL: duration('2s').refine((ms) => ms >= 10 && ms <= 60_000, 'must be 10ms-60s'),
  RECEIPT_SIGNING_KEY: z.string().max(10_000).optional(),
  RECEIPT_PREVIOUS_KEYS: z.string().max(100_000).optional(),
  SHOPIFY_API_SECRET: z.string().min(1).max(500).optional(),
  SHOPIFY_POLL_INTERVAL: duration('1s'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis://[user:pass@]host:port[/db] URL').optional(),
});

export type Engine = 'sqlite' | 'mysql';

/** One address of a server: a host (or a Galera node) and its port. */
export interface MysqlEndpoint {
  host: string;
  port: number;
}

/** Picks the node a new connection goes to (tenancy/host-failover.ts); set at start when a server lists several hosts. */
export interface EndpointPicker {
  /** A socket to the first healthy host, in configuration order. */
  connect(): import('node:net').Socket;
  /** A socket factory for one store's database: its home node (the same on every instance) first. */
  routed(route: string): () => import('node:net').Socket;
}

export interface MysqlServer {
  /** The first host (the one preferred); `hosts` lists them all, in order. */
  host: string;
  port: number;
  /** Every host of the server in preference order: one for a single server, several for a cluster's nodes. */
  hosts: MysqlEndpoint[];
  /** Set at start when `hosts` has several: connections go to the first healthy one. */
  failover?: EndpointPicker;
  user: string;
  password: string;
  /** Which TypeORM driver dialect fits the server; found out at start (MariaDB reports schema details differently). */
  flavor?: 'mysql' | 'mariadb';
}

export interface Config {
  port: number;
  /** Port of the Prometheus listener, apart from the public one (0: a free port; null: none). */
  metricsPort: number | null;
  /** Address the metrics listener binds to (loopback unless configured). */
  metricsHost: string;
  engine: Engine;
  dataDir: string;
  /** MySQL only: where the catalog lives and the server new stores are created on. */
  mysql?: MysqlServer & { catalogDatabase: string };
  /**
   * MySQL only: the servers stores may live on, by name (`default` is the catalog's own server).
   * The credentials are an administrator's: they create store databases and their users.
   */
  storeServers: Record<string, MysqlServer>;
  /** Shared rate-limit counters for several gateway instances; unset: counters in this process. */
  redisUrl?: string;
  bootstrapAdminKey?: string;
  seedDemo: boolean;
  subjectHashSecret: string;
  /**
   * MySQL: the key material store database passwords are derived from (HKDF, a label of their
   * own). Unset: SUBJECT_HASH_SECRET through that same HKDF, so the two uses share no key.
   */
  storeDbSecret?: string;
  /**
   * MySQL: the hosts each per-store user may connect from. Unset: the host the store server
   * sees the gateway's administrator connection come from (`USER()`), e.g. `localhost`.
   */
  storeDbUserHosts?: string[];
  maxOpenStores: number;
  /** Executions of a document by graphql-js before it runs compiled (graphql-jit); null: never compiled. */
  graphqlCompileAfter: number | null;
  storePoolSize: number;
  catalogPoolSize: number;
  dbConnectTimeoutMs: number;
  /** MySQL: a statement running longer fails (SERVICE_UNAVAILABLE) instead of hanging the request. */
  dbQueryTimeoutMs: number;
  rateLimitPerMinute: number;
  rateLimitAnonPerMinute: number;
  shutdownTimeoutMs: number;
  /** How often the server runs the retention purge (ms; 0: never). */
  retentionIntervalMs: number;
  /** Rows a single purge statement may touch. */
  retentionChunk: number;
  /** The first scheduled purge after start, when none is recorded or the last is overdue (ms). */
  retentionStartDelayMs: number;
  /** How often an instance looks for forget requests left PENDING by a dead process (ms; 0: never). */
  forgetRecoveryIntervalMs: number;
  /** Time to live of a lease (retention purge, forget recovery, a running forget), renewed every third. */
  leaseTtlMs: number;
  /** How often the hosts of a several-host server are checked (connect, Galera state) (ms). */
  dbProbeIntervalMs: number;
  logLevel: string;
  /** Webhook targets may be http:// and private or loopback addresses (tests, private networks). */
  webhookAllowPrivate: boolean;
  /** Delay before the first retry of a webhook; each further retry waits twice as long (capped at 1 h). */
  webhookRetryBaseMs: number;
  /** How long a webhook is retried before it is given up (FAILED). */
  webhookRetryForMs: number;
  /** Deadline of one delivery attempt (connect, send, answer). */
  webhookTimeoutMs: number;
  /** How often the webhook worker looks for due deliveries (a new one is sent at once all the same). */
  webhookPollIntervalMs: number;
  /** Ed25519 private key (PKCS#8 PEM) that signs receipts; required with MySQL, generated into DATA_DIR with SQLite. */
  receiptSigningKey?: string;
  /** Earlier receipt keys (PEM blocks), still published at /.well-known/jwks.json after a rotation. */
  receiptPreviousKeys?: string;
  /** Shopify app secret: compliance webhooks are verified with it; unset, every webhook is refused (401). */
  shopifyApiSecret?: string;
  /** How often the Shopify webhook queue is looked at (ms; 0: never). */
  shopifyPollIntervalMs: number;
  /** Where store databases and their backups are kept, as shown on the GDPR dashboard. */
  dataRegion: string;
  backupRegion: string;
}

export class ConfigError extends Error {}

const ENDPOINT = /^(?:\[([0-9A-Fa-f:.]{2,45})\]|([A-Za-z0-9._-]{1,253}))(?::(\d{1,5}))?$/;

/**
 * `mysql://user:pass@host:port[,host:port…][/catalog]`. Several hosts name the nodes of one
 * cluster (or replicas behind one name): connections go to the first healthy one, in order.
 * Parsed by hand: WHATWG URL parsing takes `h1:3306,h2:3306` for one host with a bad port.
 */
export function parseMysqlUrl(url: string): MysqlServer & { catalogDatabase: string } {
  const m = /^mysql:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#@]*)(?:\/([^?#]*))?(?:[?#].*)?$/.exec(url);
  if (!m) throw new ConfigError('DATABASE_URL: must be a mysql://user:pass@host:port[,host:port…][/catalog] URL');
  const [, rawUser, rawPassword, hostList, rawDb] = m;
  const decode = (v: string | undefined, what: string) => {
    try {
      return decodeURIComponent(v ?? '');
    } catch {
      throw new ConfigError(`DATABASE_URL: the ${what} is not well percent-encoded`);
    }
  };
  const catalogDatabase = decode(rawDb, 'database name') || 'privacy_gateway';
  if (!/^[A-Za-z0-9_]{1,40}$/.test(catalogDatabase)) {
    throw new ConfigError('DATABASE_URL: the database name must be 1-40 letters, digits or underscores');
  }
  const items = hostList === '' ? ['127.0.0.1'] : hostList.split(',');
  if (items.length > 16) throw new ConfigError('DATABASE_URL: at most 16 hosts');
  const hosts = items.map((item) => {
    const e = ENDPOINT.exec(item.trim());
    const port = e?.[3] ? Number(e[3]) : 3306;
    if (!e || !(port >= 1 && port <= 65535)) throw new ConfigError('DATABASE_URL: each host is host[:port] (a name, an IPv4 address or [IPv6]), the port 1-65535, separated by commas');
    return { host: e[1] ?? e[2], port };
  });
  const keys = hosts.map((h) => `${h.host}:${h.port}`);
  if (new Set(keys).size !== keys.length) throw new ConfigError('DATABASE_URL: a host is listed twice');
  return {
    host: hosts[0].host,
    port: hosts[0].port,
    hosts,
    user: decode(rawUser, 'user') || 'root',
    password: decode(rawPassword, 'password'),
    catalogDatabase,
  };
}

/** `STORE_SERVERS=eu-1=mysql://…,eu-2=mysql://…`: named store servers besides `default`. */
export function parseStoreServers(value: string | undefined): Record<string, MysqlServer> {
  const servers: Record<string, MysqlServer> = {};
  // A server may list several hosts (`eu-1=mysql://u:p@h1:3306,h2:3306,eu-2=…`): an item
  // without `=` continues the server before it.
  const entries: string[] = [];
  for (const item of (value ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!item.includes('=') && entries.length && ENDPOINT.test(item.replace(/\/.*$/, ''))) entries[entries.length - 1] += `,${item}`;
    else entries.push(item);
  }
  for (const item of entries) {
    const eq = item.indexOf('=');
    const name = eq > 0 ? item.slice(0, eq).trim() : '';
    const url = item.slice(eq + 1).trim();
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name) || name === 'default' || name === 'embedded') {
      throw new ConfigError('Invalid configuration: STORE_SERVERS: each entry is <name>=mysql://user:pass@host:port, the name 1-64 lower-case letters, digits, - or _ (not default or embedded)');
    }
    if (!/^mysql:\/\//.test(url)) throw new ConfigError(`Invalid configuration: STORE_SERVERS: server ${name} needs a mysql://user:pass@host:port URL`);
    if (servers[name]) throw new ConfigError(`Invalid configuration: STORE_SERVERS: server ${name} is named twice`);
    let parsed: MysqlServer & { catalogDatabase: string };
    try {
      parsed = parseMysqlUrl(url.replace(/^(mysql:\/\/[^/]*).*$/, '$1')); // a path, if any, is not used
    } catch (e) {
      throw new ConfigError(`Invalid configuration: STORE_SERVERS: server ${name}: ${(e as Error).message.replace(/^DATABASE_URL: /, '')}`);
    }
    const { catalogDatabase: _ignored, ...server } = parsed;
    servers[name] = server;
  }
  return servers;
}

/** Embedded mode keeps a generated secret beside the data, so hashes survive restarts. */
function embeddedSecret(dataDir: string): string {
  const file = join(dataDir, 'subject-hash.secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${issues}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  const engine: Engine = e.DATABASE_URL ? 'mysql' : 'sqlite';
  if (engine === 'mysql' && !e.SUBJECT_HASH_SECRET) {
    throw new ConfigError('Invalid configuration: SUBJECT_HASH_SECRET is required with DATABASE_URL (MySQL mode)');
  }
  let mysql: (MysqlServer & { catalogDatabase: string }) | undefined;
  try {
    mysql = e.DATABASE_URL ? parseMysqlUrl(e.DATABASE_URL) : undefined;
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${(err as Error).message}`);
  }
  const extraServers = parseStoreServers(e.STORE_SERVERS);
  if (!mysql && Object.keys(extraServers).length) throw new ConfigError('Invalid configuration: STORE_SERVERS needs DATABASE_URL (store servers are MySQL)');
  return {
    port: e.PORT,
    metricsPort: e.METRICS_PORT,
    metricsHost: e.METRICS_HOST,
    engine,
    dataDir,
    mysql,
    storeServers: mysql ? { default: withoutCatalog(mysql), ...extraServers } : {},
    redisUrl: e.REDIS_URL,
    bootstrapAdminKey: e.BOOTSTRAP_ADMIN_KEY,
    seedDemo: e.SEED_DEMO ?? engine === 'sqlite',
    subjectHashSecret: e.SUBJECT_HASH_SECRET ?? embeddedSecret(dataDir),
    storeDbSecret: e.STORE_DB_SECRET,
    storeDbUserHosts: e.STORE_DB_USER_HOST,
    maxOpenStores: e.MAX_OPEN_STORES,
    graphqlCompileAfter: e.GRAPHQL_COMPILE_AFTER,
    storePoolSize: e.STORE_POOL_SIZE,
    catalogPoolSize: e.CATALOG_POOL_SIZE,
    dbConnectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
    dbQueryTimeoutMs: e.DB_QUERY_TIMEOUT_MS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    rateLimitAnonPerMinute: e.RATE_LIMIT_ANON_PER_MINUTE,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    retentionIntervalMs: e.RETENTION_INTERVAL,
    retentionChunk: e.RETENTION_CHUNK,
    retentionStartDelayMs: e.RETENTION_START_DELAY,
    forgetRecoveryIntervalMs: e.FORGET_RECOVERY_INTERVAL,
    leaseTtlMs: e.LEASE_TTL,
    dbProbeIntervalMs: e.DB_PROBE_INTERVAL,
    logLevel: e.LOG_LEVEL,
    webhookAllowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
    webhookRetryBaseMs: e.WEBHOOK_RETRY_BASE,
    webhookRetryForMs: e.WEBHOOK_RETRY_FOR,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT,
    webhookPollIntervalMs: e.WEBHOOK_POLL_INTERVAL,
    receiptSigningKey: e.RECEIPT_SIGNING_KEY,
    receiptPreviousKeys: e.RECEIPT_PREVIOUS_KEYS,
    shopifyApiSecret: e.SHOPIFY_API_SECRET,
    shopifyPollIntervalMs: e.SHOPIFY_POLL_INTERVAL,
    dataRegion: e.DATA_REGION,
    backupRegion: e.BACKUP_REGION,
  };
}

function withoutCatalog(m: MysqlServer & { catalogDatabase: string }): MysqlServer {
  const { catalogDatabase: _catalog, ...server } = m;
  return server;
}

/** `24h`, `30m`, `90s`, `500ms`, `7d`; `0` or `off` disables. */
export function parseInterval(text: string): number {
  if (/^(0|off)$/i.test(text.trim())) return 0;
  const m = /^(\d+)\s*(ms|s|m|h|d)$/i.exec(text.trim());
  if (!m) throw new Error('expected a duration such as 24h, 30m or 0');
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2].toLowerCase() as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/**
 * What every bench shares: the MariaDB it runs on, small formatting and sampling helpers, the
 * GraphQL call, gateway processes and what /proc says about them, the result table, and the
 * clean-up that drops a bench's databases with their per-store users.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Connection, createConnection, RowDataPacket } from 'mysql2/promise';
import type { AddressInfo } from 'node:net';
import { createGateway, Gateway } from '../src/app';
import { Config, loadConfig, MysqlServer, parseMysqlUrl } from '../src/config';
import { createLogger } from '../src/logging';
import { ALL_SCOPES } from '../src/auth/scope';
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

/** A command-line option of a bench: a number (with default and minimum), an on/off flag, or a text. */
export type OptionSpec =
  | { help: string; default: number; min: number; integer?: boolean; env?: string; arg?: string }
  | { help: string; flag: true; env?: string }
  | { help: string; text: true; env?: string; arg?: string };

type OptionValues<S extends Record<string, OptionSpec>> = { [K in keyof S]: S[K] extends { flag: true } ? boolean : S[K] extends { text: true } ? string | undefined : number };

/**
 * Reads a bench's options from the command line, falling back to each one's environment
 * variable, then its default; prints the usage (generated from the specs) for --help. A flag's
 * variable counts as on for 1, true or yes.
 */
export function benchOptions<S extends Record<string, OptionSpec>>(usage: string, specs: S, footer: string[] = []): OptionValues<S> {
  const { values } = parseArgs({
    options: { ...Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, { type: 'flag' in spec ? ('boolean' as const) : ('string' as const) }])), help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    const left = (name: string, spec: OptionSpec) => `--${name}${'flag' in spec ? '' : ` <${spec.arg ?? ('text' in spec ? 'value' : 'n')}>`}`;
    const width = Math.max(...Object.entries(specs).map(([name, spec]) => left(name, spec).length));
    const lines = Object.entries(specs).map(([name, spec]) => {
      const notes = [spec.env, 'default' in spec ? `default ${spec.default}` : null].filter(Boolean).join(', ');
      return `  ${left(name, spec).padEnd(width)}  ${spec.help}${notes ? ` (${notes})` : ''}`;
    });
    console.log([usage, ...lines, ...footer].join('\n'));
    process.exit(0);
  }
  const read = values as Record<string, string | boolean | undefined>;
  const out: Record<string, number | boolean | string | undefined> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const fromEnv = spec.env ? process.env[spec.env] : undefined;
    if ('flag' in spec) out[name] = (read[name] as boolean | undefined) ?? ['1', 'true', 'yes'].includes(fromEnv ?? '');
    else if ('text' in spec) out[name] = (read[name] as string | undefined) ?? fromEnv;
    else {
      const n = numberOption((read[name] as string | undefined) ?? fromEnv, spec.default, name, spec.min);
      out[name] = spec.integer === false ? n : Math.floor(n);
    }
  }
  return out as OptionValues<S>;
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

/** A GraphQL answer: the data, or what went wrong (status, error codes and messages, abridged). */
export interface Posted {
  data: Record<string, any> | null;
  problem: string | null;
}

/** One GraphQL request over HTTP, as a client sends it; never throws on a GraphQL error. */
export async function post(url: string, key: string, query: string, variables?: Record<string, unknown>): Promise<Posted> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as GqlBody;
  if (res.status !== 200 || body.errors?.length || !body.data) return { data: body.data ?? null, problem: `HTTP ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}` };
  return { data: body.data, problem: null };
}

/** One GraphQL request over HTTP; any error fails the bench with the server's answer. */
export async function gql(url: string, key: string, query: string, variables?: Record<string, unknown>): Promise<Record<string, any>> {
  const { data, problem } = await post(url, key, query, variables);
  if (problem) throw new Error(problem);
  return data!;
}

/** A Markdown table, the first column left-aligned and the others right-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Gateways and tenants
// ---------------------------------------------------------------------------------------------

/**
 * A bench gateway's configuration, on a fresh catalog database of the bench server: silent, no
 * demo data, and the per-key rate limit lifted (a bench is one key sending thousands of requests
 * a minute on purpose: it measures the gateway, not RATE_LIMITED answers).
 */
/** A receipt signing key for bench gateways (MySQL mode requires one; every instance of a run shares it). */
export const BENCH_RECEIPT_KEY = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

export function benchGatewayConfig(catalogDb: string, adminKey: string, extra: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_URL: `${MYSQL_URL}/${catalogDb}`,
    SUBJECT_HASH_SECRET: randomBytes(32).toString('hex'),
    RECEIPT_SIGNING_KEY: BENCH_RECEIPT_KEY,
    BOOTSTRAP_ADMIN_KEY: adminKey,
    SEED_DEMO: '0',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '100000000',
    ...extra,
  });
}

/** A gateway in this process, listening on a free port, logging at its LOG_LEVEL: its handle and its GraphQL URL. */
export async function listenGateway(config: Config): Promise<{ gateway: Gateway; url: string }> {
  const gateway = await createGateway(config, createLogger(config.logLevel));
  const server = await gateway.listen(0);
  return { gateway, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

/** A company, one store and a key with every scope, created through the API as an operator would. */
export async function createBenchTenant(url: string, adminKey: string, name: string): Promise<{ companyId: string; storeId: string; key: string }> {
  const companyId = (await gql(url, adminKey, 'mutation($n:String!){ createCompany(name:$n){ id } }', { n: name })).createCompany.id as string;
  const storeId = (await gql(url, adminKey, 'mutation($c:ID!,$n:String!){ createStore(companyId:$c, name:$n, settings:{collectEmails:true}){ id } }', { c: companyId, n: `${name} Store` })).createStore.id as string;
  const key = (await gql(url, adminKey, 'mutation($c:ID!,$s:[Scope!]!){ createApiKey(companyId:$c, scopes:$s){ secret } }', { c: companyId, s: ALL_SCOPES })).createApiKey.secret as string;
  return { companyId, storeId, key };
}

// ---------------------------------------------------------------------------------------------
// Server processes
// ---------------------------------------------------------------------------------------------

/**
 * Starts a Node server process (a gateway or a peer) and waits until it prints a line matching
 * `ready` (returned, e.g. to read the port from); its stderr goes to ours, so a crash says why.
 */
export async function startServer(args: string[], env: NodeJS.ProcessEnv, ready = /listening/, timeoutMs = 60_000): Promise<{ child: ChildProcess; ready: RegExpExecArray }> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start in ${timeoutMs / 1000} s`)), timeoutMs);
    let seen = '';
    child.stdout!.on('data', (d: Buffer) => {
      seen += String(d);
      const m = ready.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}`));
    });
  });
  // Later output is not ours to keep; reading on keeps the pipe from filling up.
  child.removeAllListeners('exit');
  child.stdout!.removeAllListeners('data');
  child.stdout!.resume();
  return { child, ready: match };
}

/** SIGTERM, then wait for the exit. */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Resident memory of a process (bytes; 0 once it is gone). */
export function rssOf(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const CLOCK_TICKS = 100;

/** CPU time a process has used so far, user + system, in ms (10 ms resolution). */
export function cpuMsOf(pid: number): number {
  // Fields after the command name, which may hold spaces: state is 3rd, utime 14th, stime 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/**
 * Drops every database named with the bench's prefix on `server` and, when store users may
 * exist (the bench gateway's configuration, or true), the MySQL user each store database was
 * given (they would pile up otherwise).
 */
export async function dropBenchDatabases(prefix: string, config: Config | boolean | null, server: MysqlServer = SERVER): Promise<string[]> {
  const c = await createConnection({ host: server.host, port: server.port, user: server.user, password: server.password });
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

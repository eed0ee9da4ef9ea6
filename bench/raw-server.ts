/**
 * The profile bench's peer: a minimal HTTP server on raw mysql2 that answers the bench's two
 * GraphQL queries (`query Profile`, `query List` in profile.ts) with the same JSON as
 * the gateway, doing the same catalog work — the API key by its hash (and its lastUsedAt, at
 * most once a minute), the store row, reach and scope checks, and the read's audit entry with
 * its subjects' keyed hashes, written before the answer — with as few statements as the answer
 * needs. No GraphQL: it tells the two queries apart by their operation name and answers only
 * them. What the gateway costs beyond this is what its layers cost.
 *
 * Run by bench/profile.ts as its own process:
 *   RAW_CATALOG_URL=mysql://root@127.0.0.1:3306/<catalog> SUBJECT_HASH_SECRET=... PORT=0 \
 *     node -r ts-node/register/transpile-only bench/raw-server.ts
 * Prints `raw peer listening on <port>` once it accepts requests.
 */
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPool, Pool, RowDataPacket } from 'mysql2/promise';
import { parseMysqlUrl } from '../src/config';
import { hashSecret, subjectHash } from '../src/services/auth/secrets';
import { normalizeEmail, normalizeId } from '../src/services/subject/normalize';

const catalogUrl = process.env.RAW_CATALOG_URL;
const secret = process.env.SUBJECT_HASH_SECRET;
if (!catalogUrl || !secret) throw new Error('RAW_CATALOG_URL and SUBJECT_HASH_SECRET are required');
const server = parseMysqlUrl(catalogUrl);
const catalogDatabase = new URL(catalogUrl).pathname.slice(1);
const STORE_POOL_SIZE = Number(process.env.STORE_POOL_SIZE ?? 4);
const CATALOG_POOL_SIZE = Number(process.env.CATALOG_POOL_SIZE ?? 10);
/** As the gateway: lastUsedAt is refreshed at most this often. */
const LAST_USED_RESOLUTION_MS = 60_000;
const PURCHASE_WEIGHT = 3;
const TOP_PRODUCTS = 10;
const TOP_CATEGORIES = 5;

const poolFor = (database: string, size: number): Pool =>
  createPool({ host: server.host, port: server.port, user: server.user, password: server.password, database, connectionLimit: size, charset: 'utf8mb4', timezone: 'Z', decimalNumbers: true });
const catalog = poolFor(catalogDatabase, CATALOG_POOL_SIZE);
const stores = new Map<string, Pool>();
const storePool = (database: string) => {
  let p = stores.get(database);
  if (!p) stores.set(database, (p = poolFor(database, STORE_POOL_SIZE)));
  return p;
};

class Refused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const rows = async (pool: Pool, sql: string, params: unknown[]) => (await pool.query<RowDataPacket[]>(sql, params))[0];

// ---------------------------------------------------------------------------------------------
// Catalog work: key, store, audit
// ---------------------------------------------------------------------------------------------

interface Caller {
  keyId: string;
  companyId: string;
  database: string;
}

/** Key by hash and store row in parallel (two statements), then reach and scopes. */
async function authorize(req: IncomingMessage, storeId: string, scopes: string[]): Promise<Caller> {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!bearer) throw new Refused('UNAUTHENTICATED', 'an API key is required');
  const [[key], [store]] = await Promise.all([
    rows(catalog, 'SELECT `id`, `companyId`, `storeIds`, `scopes`, `operator`, `lastUsedAt`, `revokedAt` FROM `api_keys` WHERE `secretHash` = ? LIMIT 1', [hashSecret(bearer)]),
    rows(catalog, 'SELECT `companyId`, `databaseName` FROM `stores` WHERE `id` = ?', [storeId]),
  ]);
  if (!key || key.revokedAt) throw new Refused('UNAUTHENTICATED', 'the API key is not valid');
  if (!key.lastUsedAt || Date.now() - (key.lastUsedAt as Date).getTime() > LAST_USED_RESOLUTION_MS) {
    await catalog.query('UPDATE `api_keys` SET `lastUsedAt` = ? WHERE `id` = ?', [new Date(), key.id]);
  }
  const storeIds = key.storeIds ? (JSON.parse(key.storeIds as string) as string[]) : null;
  const reaches = !!store && (key.operator || (key.companyId === store.companyId && (storeIds === null || storeIds.includes(storeId))));
  if (!reaches) throw new Refused('NOT_FOUND', 'no such store');
  const held = JSON.parse(key.scopes as string) as string[];
  if (!scopes.every((s) => held.includes(s))) throw new Refused('FORBIDDEN', 'the API key lacks a scope this query needs');
  return { keyId: key.id as string, companyId: store.companyId as string, database: store.databaseName as string };
}

/** The read's audit entry and its subjects' keyed hashes (two INSERTs at once), before the answer. */
async function audit(caller: Caller, storeId: string, operation: string, records: number, subjects: [string, string][], single: boolean): Promise<void> {
  const entryKey = randomUUID();
  const hashes = [...new Set(subjects.map(([kind, value]) => subjectHash(secret!, storeId, `${kind}\u0000${value}`)))];
  await Promise.all([
    catalog.query(
      'INSERT INTO `audit_log` (`entryKey`, `at`, `companyId`, `apiKeyId`, `operation`, `storeId`, `subjectHash`, `records`, `requestId`, `detail`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)',
      [entryKey, new Date(), caller.companyId, caller.keyId, operation, storeId, single ? (hashes[0] ?? null) : null, records, randomUUID()],
    ),
    hashes.length ? catalog.query('INSERT INTO `audit_subjects` (`hash`, `entryKey`) VALUES ?', [hashes.map((h) => [h, entryKey])]) : null,
  ]);
}

// ---------------------------------------------------------------------------------------------
// Profile: customer, linked visitors, orders (page + count), lines, log, preferences
// ---------------------------------------------------------------------------------------------

const unique = <T>(xs: T[]) => [...new Set(xs)];

/**
 * Visitors linked to each person (by customer ID, by e-mail, or as the visitor on one of their
 * orders), and the visitor IDs on their orders, in one statement: rows of kind 'v' are visitors,
 * rows of kind 'o' an order's (customerId, email, visitorId).
 */
async function linkedVisitors(pool: Pool, customerIds: string[], emails: string[]): Promise<RowDataPacket[]> {
  const parts: string[] = [];
  const params: unknown[] = [];
  const v = "SELECT 'v' AS `k`, v.`id`, v.`customerId`, v.`email`, v.`lastSeenAt`";
  const o = "SELECT 'o', o.`visitorId`, o.`customerId`, o.`email`, NULL FROM `orders` o WHERE o.`visitorId` IS NOT NULL AND";
  parts.push(`${v} FROM \`visitors\` v WHERE v.\`customerId\` IN (?)`, `${v} FROM \`visitors\` v JOIN \`orders\` o ON o.\`visitorId\` = v.\`id\` WHERE o.\`customerId\` IN (?)`, `${o} o.\`customerId\` IN (?)`);
  params.push(customerIds, customerIds, customerIds);
  if (emails.length) {
    parts.push(`${v} FROM \`visitors\` v WHERE v.\`email\` IN (?)`, `${v} FROM \`visitors\` v JOIN \`orders\` o ON o.\`visitorId\` = v.\`id\` WHERE o.\`email\` IN (?)`, `${o} o.\`email\` IN (?)`);
    params.push(emails, emails, emails);
  }
  // UNION ALL: the rows are sorted out in JavaScript (people()), so the server builds no de-duplicating temporary table.
  return rows(pool, parts.join(' UNION ALL '), params);
}

interface Person {
  id: string;
  email: string | null;
  customerIds: Set<string>;
  emails: Set<string>;
  visitorIds: Set<string>;
  visitors: RowDataPacket[];
}

/** Attributes the linked rows to each person, as the gateway's profile links do (one step from the customer). */
function people(customers: { id: string; email: string | null }[], linked: RowDataPacket[]): Person[] {
  const visitors = new Map(linked.filter((r) => r.k === 'v').map((r) => [r.id as string, r]));
  return customers.map((c) => {
    const p: Person = { id: c.id, email: c.email, customerIds: new Set([c.id]), emails: new Set(c.email ? [c.email] : []), visitorIds: new Set(), visitors: [] };
    for (const r of linked) if (r.k === 'o' && (r.customerId === c.id || (c.email && r.email === c.email))) p.visitorIds.add(r.id as string);
    for (const v of visitors.values()) {
      if (p.visitorIds.has(v.id) || v.customerId === c.id || (c.email && v.email === c.email)) {
        p.visitors.push(v);
        p.visitorIds.add(v.id);
        if (v.customerId) p.customerIds.add(v.customerId);
        if (v.email) p.emails.add(v.email);
      }
    }
    p.visitors.sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return p;
  });
}

/** Orders carrying any of these identifiers, each list through its own index, each order once. */
function ordersWhere(columns: string, ids: { customerIds: string[]; emails: string[]; visitorIds: string[] }): [string, unknown[]] {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [column, values] of [['customerId', ids.customerIds], ['email', ids.emails], ['visitorId', ids.visitorIds]] as const) {
    if (!values.length) continue;
    parts.push(`SELECT ${columns} FROM \`orders\` WHERE \`${column}\` IN (?)`);
    params.push(values);
  }
  return [parts.join(' UNION '), params];
}

async function preferences(pool: Pool, customerId: string) {
  const scored = await rows(
    pool,
    'SELECT t.`productId`, SUM(t.`n`) AS `score`, p.`category` FROM (' +
      // The store's preference tallies (the gateway keeps them at ingestion): clicks per visitor, units bought per customer.
      "SELECT c.`productId`, SUM(c.`n`) AS `n` FROM `visitors` v JOIN `preference_tallies` c ON c.`kind` = 'v' AND c.`ownerId` = v.`id` WHERE v.`customerId` = ? GROUP BY c.`productId` " +
      "UNION ALL SELECT b.`productId`, ? * b.`n` FROM `preference_tallies` b WHERE b.`kind` = 'c' AND b.`ownerId` = ?" +
      ') t LEFT JOIN `products` p ON p.`id` = t.`productId` GROUP BY t.`productId`, p.`category`',
    [customerId, PURCHASE_WEIGHT, customerId],
  );
  const byScore = <T extends { score: number }>(key: (t: T) => string) => (a: T, b: T) => b.score - a.score || key(a).localeCompare(key(b));
  const products = scored.map((r) => ({ productId: r.productId as string, score: Number(r.score), category: r.category as string | null })).sort(byScore((p) => p.productId));
  const categories = new Map<string, number>();
  for (const p of products) if (p.category) categories.set(p.category, (categories.get(p.category) ?? 0) + p.score);
  return {
    topProducts: products.slice(0, TOP_PRODUCTS).map(({ productId, score }) => ({ productId, score })),
    topCategories: [...categories].map(([name, score]) => ({ name, score })).sort(byScore((c) => c.name)).slice(0, TOP_CATEGORIES),
  };
}

async function profile(req: IncomingMessage, variables: Record<string, unknown>): Promise<unknown> {
  const storeId = String(variables.s);
  const raw = String(variables.e);
  const caller = await authorize(req, storeId, ['PROFILES_READ', 'PERSONAL_DATA_READ']);
  const pool = storePool(caller.database);
  const email = raw.includes('@') ? normalizeEmail(raw) : null;
  const id = normalizeId(raw);
  const columns = 'SELECT `id`, `email`, `age`, `gender`, `city` FROM `customers`';
  let [c] = email ? await rows(pool, `${columns} WHERE \`email\` = ? ORDER BY \`updatedAt\` DESC, \`id\` ASC LIMIT 1`, [email]) : [];
  if (!c && id) [c] = await rows(pool, `${columns} WHERE \`id\` = ?`, [id]);
  if (!c) {
    if (email) await audit(caller, storeId, 'Profile', 0, [['email', email]], true);
    return { customer: null };
  }
  const [linked, prefs] = await Promise.all([linkedVisitors(pool, [c.id], c.email ? [c.email] : []), preferences(pool, c.id)]);
  const [p] = people([{ id: c.id, email: c.email }], linked);
  const [union, params] = ordersWhere('`id`, `createdAt`, `currency`, `total`', { customerIds: [...p.customerIds], emails: [...p.emails], visitorIds: [...p.visitorIds] });
  const visitorIds = p.visitors.map((v) => v.id as string);
  const [orders, events] = await Promise.all([
    rows(pool, `SELECT l.*, COUNT(*) OVER () AS \`n\` FROM (${union}) l ORDER BY l.\`createdAt\` DESC, l.\`id\` DESC LIMIT 10`, params),
    visitorIds.length
      ? rows(pool, visitorIds.map(() => '(SELECT `id`, `visitorId`, `type`, `url`, `occurredAt` FROM `visit_events` WHERE `visitorId` = ? ORDER BY `occurredAt` DESC, `id` DESC LIMIT 10)').join(' UNION ALL '), visitorIds)
      : Promise.resolve([] as RowDataPacket[]),
  ]);
  const lines = orders.length ? await rows(pool, 'SELECT `orderId`, `productId`, `quantity`, `unitPrice` FROM `order_lines` WHERE `orderId` IN (?) ORDER BY `id`', [orders.map((o) => o.id)]) : [];
  const logOf = new Map<string, RowDataPacket[]>(visitorIds.map((v) => [v, []]));
  for (const e of events) logOf.get(e.visitorId)!.push(e);
  const linesOf = new Map<string, RowDataPacket[]>(orders.map((o) => [o.id, []]));
  for (const l of lines) linesOf.get(l.orderId)!.push(l);
  const logged = visitorIds.filter((v) => logOf.get(v)!.length > 0);
  const byTimeThenId = (a: RowDataPacket, b: RowDataPacket) => b.occurredAt.getTime() - a.occurredAt.getTime() || b.id - a.id;
  await audit(caller, storeId, 'Profile', 1 + logged.length, [['customerId', c.id], ...(c.email ? [['email', c.email] as [string, string]] : []), ...visitorIds.map((v): [string, string] => ['visitorId', v])], true);
  return {
    customer: {
      id: c.id,
      email: c.email,
      crm: { age: c.age, gender: c.gender, city: c.city },
      orders: {
        totalCount: orders.length ? Number(orders[0].n) : 0,
        edges: orders.map((o) => ({ node: { id: o.id, total: o.total, currency: o.currency, lines: linesOf.get(o.id)!.map((l) => ({ productId: l.productId, quantity: l.quantity, unitPrice: l.unitPrice })) } })),
      },
      visitors: visitorIds.map((v) => ({ id: v, log: { edges: logOf.get(v)!.sort(byTimeThenId).map((e) => ({ node: { type: e.type, url: e.url, occurredAt: (e.occurredAt as Date).toISOString() } })) } })),
      preferences: prefs,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// List: a page of customers by ID, the total, each one's last 5 orders
// ---------------------------------------------------------------------------------------------

const LIST_PAGE = 50;
const LIST_ORDERS = 5;

/**
 * Each person's newest `n` orders in one statement: (person, identifier) pairs per link column
 * joined to the orders through that column's index, ranked per person in the server, newest
 * first. Rows come back ordered by person, then rank.
 */
async function newestPerPerson(pool: Pool, persons: Person[], n: number): Promise<RowDataPacket[]> {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [column, kind] of [['customerId', 'customerIds'], ['email', 'emails'], ['visitorId', 'visitorIds']] as const) {
    const pairs = persons.flatMap((p) => [...p[kind]].map((v) => [p.id, v]));
    if (!pairs.length) continue;
    parts.push(
      `SELECT o.\`id\`, o.\`createdAt\`, o.\`total\`, m.\`person\` FROM \`orders\` o JOIN (${pairs.map((_, i) => (i ? 'SELECT ?, ?' : 'SELECT ? AS `person`, ? AS `v`')).join(' UNION ALL ')}) m ON o.\`${column}\` = m.\`v\``,
    );
    params.push(...pairs.flat());
  }
  if (!parts.length) return [];
  return rows(
    pool,
    'SELECT `id`, `person`, `total` FROM (SELECT l.`id`, l.`person`, l.`total`, l.`createdAt`, ROW_NUMBER() OVER (PARTITION BY l.`person` ORDER BY l.`createdAt` DESC, l.`id` DESC) AS `rn` ' +
      `FROM (${parts.join(' UNION ')}) l) r WHERE \`rn\` <= ${n} ORDER BY \`person\`, \`rn\``,
    params,
  );
}

async function list(req: IncomingMessage, variables: Record<string, unknown>): Promise<unknown> {
  const storeId = String(variables.s);
  let after: string | null = null;
  if (typeof variables.after === 'string') {
    const decoded: unknown = JSON.parse(Buffer.from(variables.after, 'base64url').toString('utf8'));
    if (!Array.isArray(decoded) || decoded.length !== 1 || typeof decoded[0] !== 'string') throw new Refused('BAD_USER_INPUT', '`after` is not a cursor this list produced');
    after = decoded[0];
  }
  const caller = await authorize(req, storeId, ['PROFILES_READ', 'PERSONAL_DATA_READ']);
  const pool = storePool(caller.database);
  const page = await rows(
    pool,
    `SELECT \`id\`, \`email\`, (SELECT COUNT(*) FROM \`customers\`) AS \`total\` FROM \`customers\`${after === null ? '' : ' WHERE `id` > ?'} ORDER BY \`id\` LIMIT ${LIST_PAGE + 1}`,
    after === null ? [] : [after],
  );
  const visible = page.slice(0, LIST_PAGE);
  const totalCount = page.length ? Number(page[0].total) : Number((await rows(pool, 'SELECT COUNT(*) AS `n` FROM `customers`', []))[0].n);
  let persons: Person[] = [];
  let orders: RowDataPacket[] = [];
  if (visible.length) {
    const ids = visible.map((c) => c.id as string);
    const emails = unique(visible.map((c) => c.email as string | null).filter((e): e is string => !!e));
    persons = people(visible.map((c) => ({ id: c.id, email: c.email })), await linkedVisitors(pool, ids, emails));
    orders = await newestPerPerson(pool, persons, LIST_ORDERS);
  }
  const subjects = persons.flatMap((p): [string, string][] => [['customerId', p.id], ...(p.email ? [['email', p.email] as [string, string]] : []), ...p.visitors.map((v): [string, string] => ['visitorId', v.id])]);
  if (visible.length) await audit(caller, storeId, 'List', visible.length, subjects, false);
  const last = visible[visible.length - 1];
  return {
    customers: {
      totalCount,
      edges: persons.map((p) => ({
        node: { id: p.id, email: p.email, orders: { edges: orders.filter((o) => o.person === p.id).map((o) => ({ node: { id: o.id, total: o.total } })) } },
      })),
      pageInfo: { endCursor: last ? Buffer.from(JSON.stringify([last.id]), 'utf8').toString('base64url') : null, hasNextPage: page.length > LIST_PAGE },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

const handlers: Record<string, (req: IncomingMessage, variables: Record<string, unknown>) => Promise<unknown>> = { Profile: profile, List: list };

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const http = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    void (async () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query?: string; variables?: Record<string, unknown> };
        const handler = handlers[/^\s*query\s+(\w+)/.exec(body.query ?? '')?.[1] ?? ''];
        if (!handler) throw new Refused('BAD_USER_INPUT', 'this peer answers only the profile bench\'s Profile and List queries');
        send(res, 200, { data: await handler(req, body.variables ?? {}) });
      } catch (err) {
        if (err instanceof Refused) send(res, 200, { errors: [{ message: err.message, extensions: { code: err.code } }], data: null });
        else {
          console.error(err);
          send(res, 500, { errors: [{ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }], data: null });
        }
      }
    })();
  });
});

http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(`raw peer listening on ${(http.address() as AddressInfo).port}`));
process.on('SIGTERM', () => {
  http.close();
  void Promise.all([catalog.end(), ...[...stores.values()].map((p) => p.end())]).finally(() => process.exit(0));
});

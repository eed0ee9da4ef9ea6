import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { CustomerEntity, OrderEntity, OrderLineEntity, PreferenceTallyEntity, ProductEntity, VisitorEntity } from '../../entities/store';
import type { PreferenceResult } from '../profiles/preferences';
import { scoreTallies } from './preferences-by-customer.loader';
import { orderCountByPerson, ordersByPerson } from '../pagination/paged-by-person';
import { PageRequest, pageKey } from '../pagination/cursor';
import { absorb, broughtBy } from '../subject/person-links';
import { Identifiers, noIdentifiers } from '../subject/subject-input';
import { once, projection, quote, readRows } from './raw-rows';

/** A customer of a profile, as the links start from it. */
export interface ProfileKey {
  id: string;
  email: string | null;
}

export interface ProfileLinks {
  /** The customer's identifiers and those of the visitors linked to them. */
  identifiers: Identifiers;
  /** Visitors linked by customer ID, by e-mail, or as the visitor on one of the customer's orders; most recently seen first. */
  visitors: VisitorEntity[];
}

/** Customers per links statement: SQLite refuses a compound SELECT of more than 500 terms. */
const LINK_BATCH = 400;

/** Where the customers of a links statement come from. */
export type LinkSource =
  /** A profile looked up by e-mail: the most recently updated customer with it. The customer's row comes back too. */
  | { by: 'email'; email: string }
  /** A profile looked up by customer ID. The customer's row comes back too. */
  | { by: 'id'; id: string }
  /** Customers already read (a page, the audit's), by the ID and e-mail the request knows them by. */
  | { by: 'keys'; keys: readonly ProfileKey[] };

/**
 * The links of person-links.ts one step from each customer, as the report follows them, in ONE
 * statement (SQL written once per process and source shape): the visitor IDs on the orders
 * carrying the customer's ID or e-mail, and the visitors linked by customer ID, by e-mail, or
 * as the visitor on one of those orders. Each branch of the UNION ALL is one indexed equality
 * join; a row found twice is counted once here. For a profile lookup (`email`, `id`) the same
 * statement also returns the customer's row, so a profile costs one statement before its
 * orders, visitors' logs and preferences.
 */
function linksSql(em: EntityManager, source: LinkSource['by'], n: number, withPreferences: boolean): string {
  return once(em, `links|${source}|${n}|${withPreferences ? 1 : 0}`, () => {
    const esc = quote(em);
    const table = (e: new () => unknown) => esc(em.connection.getMetadata(e).tableName);
    const c = projection(em, CustomerEntity, 'x', 'c_');
    const v = projection(em, VisitorEntity, 'v', 'v_');
    const [id, email, visitorId, customerId, updatedAt] = ['id', 'email', 'visitorId', 'customerId', 'updatedAt'].map(esc);
    const withCustomer = source !== 'keys';
    const src =
      source === 'email'
        ? // The customer by primary key, the key found by a scalar subquery: this keeps the CTE
          // mergeable, so MariaDB reads it as a constant row in each branch instead of
          // materializing it (with ORDER BY … LIMIT) once per reference (about a third of the time).
          `SELECT x.${id} AS ${id}, x.${email} AS ${email}, ${c.columns} FROM ${table(CustomerEntity)} x WHERE x.${id} = (SELECT y.${id} FROM ${table(CustomerEntity)} y WHERE y.${email} = ? ORDER BY y.${updatedAt} DESC, y.${id} ASC LIMIT 1)`
        : source === 'id'
          ? `SELECT x.${id} AS ${id}, x.${email} AS ${email}, ${c.columns} FROM ${table(CustomerEntity)} x WHERE x.${id} = ?`
          : Array.from({ length: n }, (_, i) => (i === 0 ? `SELECT ? AS ${id}, ? AS ${email}` : 'SELECT ?, ?')).join(' UNION ALL ');
    const customerNulls = withCustomer ? `, ${c.nulls}` : '';
    const preferenceNulls = withPreferences ? `, ${PREFERENCE_COLUMNS.map((name) => `NULL AS ${esc(name)}`).join(', ')}` : '';
    const head = (k: string, ov: string, visitor: string) => `SELECT '${k}' AS ${esc('k')}, c.${id} AS ${esc('owner')}, ${ov} AS ${esc('ov')}, ${visitor}${customerNulls}${preferenceNulls}`;
    const orders = table(OrderEntity);
    const visitors = table(VisitorEntity);
    // An order's row carries its visitor ID and, when the visitor exists, the visitor.
    const branches = [
      `${head('o', `o.${visitorId}`, v.columns)} FROM c INNER JOIN ${orders} o ON o.${customerId} = c.${id} LEFT JOIN ${visitors} v ON v.${id} = o.${visitorId} WHERE o.${visitorId} <> ''`,
      `${head('o', `o.${visitorId}`, v.columns)} FROM c INNER JOIN ${orders} o ON o.${email} = c.${email} LEFT JOIN ${visitors} v ON v.${id} = o.${visitorId} WHERE o.${visitorId} <> ''`,
      `${head('v', 'NULL', v.columns)} FROM c INNER JOIN ${visitors} v ON v.${customerId} = c.${id}`,
      `${head('v', 'NULL', v.columns)} FROM c INNER JOIN ${visitors} v ON v.${email} = c.${email}`,
    ];
    if (withCustomer) {
      branches.unshift(`SELECT 'c' AS ${esc('k')}, c.${id} AS ${esc('owner')}, NULL AS ${esc('ov')}, ${v.nulls}, ${c.names.map((name) => `c.${esc(name)} AS ${esc(name)}`).join(', ')}${preferenceNulls} FROM c`);
    }
    if (withPreferences) {
      // The customer's preference tallies (as preferences-by-customer.loader.ts reads them).
      const tallies = table(PreferenceTallyEntity);
      const [kind, ownerId, productId, count, category] = ['kind', 'ownerId', 'productId', 'n', 'category'].map(esc);
      const prefHead = `SELECT 'p' AS ${esc('k')}, c.${id} AS ${esc('owner')}, NULL AS ${esc('ov')}, ${v.nulls}${customerNulls}`;
      const [pp, pk, pn, pc] = PREFERENCE_COLUMNS.map(esc);
      branches.push(
        `${prefHead}, t.${productId} AS ${pp}, 'c' AS ${pk}, SUM(t.${count}) AS ${pn}, p.${category} AS ${pc} FROM c INNER JOIN ${visitors} v ON v.${customerId} = c.${id} ` +
          `INNER JOIN ${tallies} t ON t.${kind} = 'v' AND t.${ownerId} = v.${id} LEFT JOIN ${table(ProductEntity)} p ON p.${id} = t.${productId} GROUP BY c.${id}, t.${productId}, p.${category}`,
        `${prefHead}, b.${productId} AS ${pp}, 'b' AS ${pk}, b.${count} AS ${pn}, p.${category} AS ${pc} FROM c INNER JOIN ${tallies} b ON b.${kind} = 'c' AND b.${ownerId} = c.${id} ` +
          `LEFT JOIN ${table(ProductEntity)} p ON p.${id} = b.${productId}`,
      );
    }
    return `WITH c AS (${src}) ${branches.join(' UNION ALL ')}`;
  });
}

/** A preference row's columns in the links statement: product, kind ('c' clicks, 'b' bought), count, category. */
const PREFERENCE_COLUMNS = ['pp', 'pk', 'pn', 'pc'];

interface LinkRow {
  k: 'c' | 'o' | 'v' | 'p';
  owner: string;
  ov: string | null;
  [column: string]: unknown;
}

/**
 * Runs the links statement: per customer (by ID), the links as followLinks(tables: order,
 * visitor; one round) finds them, and for a profile lookup the customer found (or null).
 */
export async function linksOf(
  em: EntityManager,
  source: LinkSource,
  withPreferences = false,
): Promise<{ customer: CustomerEntity | null; links: Map<string, ProfileLinks>; preferences: PreferenceResult | null }> {
  const keys: ProfileKey[] = source.by === 'keys' ? [...source.keys] : [];
  const params: unknown[] = source.by === 'email' ? [source.email] : source.by === 'id' ? [source.id] : keys.flatMap((k) => [k.id, k.email || null]);
  const withPrefs = withPreferences && source.by !== 'keys';
  const rows: LinkRow[] = await readRows(em, linksSql(em, source.by, keys.length, withPrefs), params);
  let customer: CustomerEntity | null = null;
  if (source.by !== 'keys') {
    const row = rows.find((r) => r.k === 'c');
    customer = row ? projection(em, CustomerEntity, 'x', 'c_').hydrate(row) : null;
    if (customer) keys.push({ id: customer.id, email: customer.email });
  }
  const v = projection(em, VisitorEntity, 'v', 'v_');
  const orderVisitors = new Map<string, Set<string>>();
  const visitors = new Map<string, Map<string, VisitorEntity>>();
  for (const r of rows) {
    if (r.k === 'o' && r.ov) {
      const s = orderVisitors.get(r.owner) ?? new Set<string>();
      s.add(r.ov);
      orderVisitors.set(r.owner, s);
    }
    if ((r.k === 'o' || r.k === 'v') && r.v_id !== null && r.v_id !== undefined) {
      const m = visitors.get(r.owner) ?? new Map<string, VisitorEntity>();
      if (!m.has(r.v_id as string)) m.set(r.v_id as string, v.hydrate(r)!);
      visitors.set(r.owner, m);
    }
  }
  const links = new Map<string, ProfileLinks>();
  for (const k of keys) {
    // As followLinks: the seed, then what the orders bring (their visitor), then what the visitors bring.
    const identifiers = absorb(noIdentifiers(), { customerIds: [k.id], emails: k.email ? [k.email] : [], visitorIds: [] });
    absorb(identifiers, { ...noIdentifiers(), visitorIds: [...(orderVisitors.get(k.id) ?? [])] });
    const vs = [...(visitors.get(k.id)?.values() ?? [])];
    for (const row of vs) absorb(identifiers, broughtBy('visitor', row));
    links.set(k.id, {
      identifiers,
      visitors: vs.sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    });
  }
  const preferences =
    withPrefs && customer
      ? scoreTallies(rows.filter((r) => r.k === 'p').map((r) => ({ customerId: r.owner, productId: r.pp as string, kind: r.pk as 'c' | 'b', n: r.pn as number, category: r.pc as string | null })), [customer.id])[0]
      : null;
  return { customer, links, preferences };
}

/**
 * What a profile attributes to its customer, by the links the report follows (person-links.ts),
 * one step from the customer: their orders (by customer ID or e-mail, read for their visitor
 * only), then their visitors. One statement for a whole page of customers (linksOf); a profile
 * looked up by ProfileService.findCustomer arrives primed. The orders shown are then those
 * linked to any of these identifiers (orders of the visitors included).
 */
export const createProfileLinksLoader = (em: () => Promise<EntityManager>) =>
  new DataLoader<ProfileKey, ProfileLinks, string>(
    async (keys) => {
      const { links } = await linksOf(await em(), { by: 'keys', keys });
      return keys.map((k) => links.get(k.id)!);
    },
    { cacheKeyFn: (k) => k.id, maxBatchSize: LINK_BATCH },
  );

export interface PersonPageKey {
  person: string;
  identifiers: Identifiers;
  page: PageRequest;
  /** The caller will read the orders' lines: they come in the same statement. */
  withLines?: boolean;
}

/** Where the orders statement hands what it read besides the page: the request's lines and counts loaders. */
export interface OrdersByPersonPrime {
  lines(orderId: string, lines: OrderLineEntity[]): void;
  count(person: string, identifiers: Identifiers, count: number): void;
}

/** A page of each person's orders, newest first; keys asking for the same page shape share one ranked statement. */
export const createOrdersByPersonLoader = (em: () => Promise<EntityManager>, prime?: OrdersByPersonPrime) =>
  new DataLoader<PersonPageKey, OrderEntity[], string>(
    async (keys) => {
      const groups = new Map<string, { page: PageRequest; people: Map<string, Identifiers>; withLines: boolean }>();
      for (const k of keys) {
        const g = groups.get(pageKey(k.page)) ?? { page: k.page, people: new Map<string, Identifiers>(), withLines: false };
        g.people.set(k.person, k.identifiers);
        g.withLines ||= Boolean(k.withLines);
        groups.set(pageKey(k.page), g);
      }
      const results = new Map<string, Map<string, OrderEntity[]>>();
      for (const [gk, g] of groups) {
        results.set(
          gk,
          await ordersByPerson(await em(), [...g.people], g.page, {
            withLines: g.withLines,
            onLines: prime?.lines,
            onCount: prime ? (person, n) => prime.count(person, g.people.get(person)!, n) : undefined,
          }),
        );
      }
      return keys.map((k) => results.get(pageKey(k.page))?.get(k.person) ?? []);
    },
    { cacheKeyFn: (k) => `${k.person}\u0000${pageKey(k.page)}` },
  );

/** How many orders each person has, one grouped statement per batch. */
export const createOrderCountByPersonLoader = (em: () => Promise<EntityManager>) =>
  new DataLoader<Omit<PersonPageKey, 'page'>, number, string>(
    async (keys) => {
      const counts = await orderCountByPerson(await em(), keys.map((k) => [k.person, k.identifiers]));
      return keys.map((k) => counts.get(k.person) ?? 0);
    },
    { cacheKeyFn: (k) => k.person },
  );

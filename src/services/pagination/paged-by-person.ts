import { Brackets, EntityManager } from 'typeorm';
import { OrderEntity, OrderLineEntity } from '../../entities/store';
import { once, projection, quote, readRows } from '../loaders/raw-rows';
import { LINKS } from '../subject/person-links';
import type { Identifiers } from '../subject/subject-input';
import type { PageRequest } from './cursor';
import { newestFirstPage } from './newest-first';

/**
 * (person, value) pairs per identifier kind in one statement. Each kind's pairs become one
 * compound SELECT, and SQLite refuses a compound of more than 500 terms.
 */
const MAX_PAIRS = 400;

type People = [string, Identifiers][];

/**
 * Splits people into groups whose identifiers fit one statement. A page of profiles is one
 * group; someone with more identifiers of one kind than fit is a group of their own, read
 * without the pairs (see alone()).
 */
function grouped(people: People): People[] {
  const out: People[] = [];
  let group: People = [];
  const used = { emails: 0, customerIds: 0, visitorIds: 0 };
  for (const p of people) {
    const [, ids] = p;
    const fits = (Object.keys(used) as (keyof Identifiers)[]).every((k) => used[k] + ids[k].length <= MAX_PAIRS);
    if (!fits && group.length) {
      out.push(group);
      group = [];
      used.emails = used.customerIds = used.visitorIds = 0;
    }
    group.push(p);
    for (const k of Object.keys(used) as (keyof Identifiers)[]) used[k] += ids[k].length;
  }
  if (group.length) out.push(group);
  return out;
}

const tooMany = (ids: Identifiers) => ids.emails.length > MAX_PAIRS || ids.customerIds.length > MAX_PAIRS || ids.visitorIds.length > MAX_PAIRS;

/** One person's linked orders as a plain query (no pairs): `column IN (...)` per link column, OR-ed. */
function alone(em: EntityManager, ids: Identifiers) {
  const qb = em.createQueryBuilder(OrderEntity, 'o');
  const live = LINKS.order.matchedBy.filter(([kind]) => ids[kind].length > 0);
  if (live.length === 0) return qb.where('1 = 0');
  return qb.where(new Brackets((w) => live.forEach(([kind, column], i) => w.orWhere(`o.${column} IN (:...a${i})`, { [`a${i}`]: ids[kind] }))));
}

/**
 * `SELECT orders.id, createdAt, person` for every order linked to each person, by the order's
 * link columns (person-links.ts: customer ID, e-mail, visitor ID), one equality join per column
 * so each uses its index. UNION (not ALL): an order reached by two of a person's identifiers is
 * theirs once. The SQL depends only on how many (person, value) pairs each kind has; the
 * parameters are pushed in the order of its placeholders. Null when nobody has an identifier.
 */
function linkedOrders(em: EntityManager, people: People, params: unknown[]): string | null {
  const counts = LINKS.order.matchedBy.map(([kind]) => people.reduce((n, [, ids]) => n + ids[kind].length, 0));
  for (const [kind] of LINKS.order.matchedBy) for (const [person, ids] of people) for (const v of ids[kind]) params.push(person, v);
  if (counts.every((n) => n === 0)) return null;
  return once(em, `linked-orders|${counts.join(',')}`, () => {
    const esc = quote(em);
    const table = esc(em.connection.getMetadata(OrderEntity).tableName);
    const parts: string[] = [];
    LINKS.order.matchedBy.forEach(([, column], k) => {
      if (counts[k] === 0) return;
      const values = Array.from({ length: counts[k] }, (_, i) => (i === 0 ? `SELECT ? AS ${esc('person')}, ? AS ${esc('v')}` : 'SELECT ?, ?')).join(' UNION ALL ');
      parts.push(
        `SELECT o.${esc('id')} AS ${esc('id')}, o.${esc('createdAt')} AS ${esc('t')}, m.${esc('person')} AS ${esc('person')} ` +
          `FROM ${table} o INNER JOIN (${values}) m ON o.${esc(column)} = m.${esc('v')}`,
      );
    });
    return parts.join(' UNION ');
  });
}

/** What a page of each person's orders brings along, read in the same statement. */
export interface OrdersByPersonExtras {
  /** Read each order's lines too (the caller selected them), in the same statement. */
  withLines?: boolean;
  /** Each order's lines, in the order they were sent, when `withLines`. */
  onLines?: (orderId: string, lines: OrderLineEntity[]) => void;
  /** How many orders each person has in all, known for free on a first page. */
  onCount?: (person: string, count: number) => void;
}

/**
 * One page of orders per person, for many people, in ONE statement whatever their number (as
 * pagedByParent, but a person is several identifiers, not one parent column): a window function
 * ranks each person's linked orders newest first, keeps `first + 1`, counts them all, and the
 * rows (with their lines when asked) are joined by primary key in the same statement.
 */
export async function ordersByPerson(em: EntityManager, people: People, page: PageRequest, extras: OrdersByPersonExtras = {}): Promise<Map<string, OrderEntity[]>> {
  const result = new Map<string, OrderEntity[]>(people.map(([p]) => [p, []]));
  for (const group of grouped(people)) {
    if (group.length === 1 && tooMany(group[0][1])) {
      result.set(group[0][0], await newestFirstPage(alone(em, group[0][1]), 'o', 'createdAt', page).getMany());
      continue;
    }
    for (const [person, rows] of await rankedOrders(em, group, page, extras)) result.set(person, rows);
  }
  return result;
}

async function rankedOrders(em: EntityManager, people: People, page: PageRequest, extras: OrdersByPersonExtras): Promise<Map<string, OrderEntity[]>> {
  const result = new Map<string, OrderEntity[]>(people.map(([p]) => [p, []]));
  const params: unknown[] = [];
  const linked = linkedOrders(em, people, params);
  if (!linked) {
    if (!page.after) for (const [p] of people) extras.onCount?.(p, 0);
    return result;
  }
  const o = projection(em, OrderEntity, 'o', 'o_');
  const l = projection(em, OrderLineEntity, 'ol', 'l_');
  const withLines = Boolean(extras.withLines);
  if (page.after?.at) {
    const at = o.persist('createdAt', page.after.at);
    params.push(at, at, page.after.id);
  }
  params.push(Number(page.first) + 1);
  const sql = once(em, `ranked-orders|${linked}|${page.after?.at ? 1 : 0}|${withLines ? 1 : 0}`, () => {
    const esc = quote(em);
    const table = (e: new () => unknown) => esc(em.connection.getMetadata(e).tableName);
    const where = page.after?.at ? ` WHERE (l.${esc('t')} < ? OR (l.${esc('t')} = ? AND l.${esc('id')} < ?))` : '';
    return (
      `SELECT r.${esc('person')} AS ${esc('person')}, r.${esc('rn')} AS ${esc('rn')}, r.${esc('n')} AS ${esc('n')}, ${o.columns}${withLines ? `, ${l.columns}` : ''} FROM (` +
      `SELECT l.${esc('id')} AS ${esc('id')}, l.${esc('person')} AS ${esc('person')}, ` +
      `ROW_NUMBER() OVER (PARTITION BY l.${esc('person')} ORDER BY l.${esc('t')} DESC, l.${esc('id')} DESC) AS ${esc('rn')}, ` +
      `COUNT(*) OVER (PARTITION BY l.${esc('person')}) AS ${esc('n')} ` +
      `FROM (${linked}) l${where}) r INNER JOIN ${table(OrderEntity)} o ON o.${esc('id')} = r.${esc('id')}` +
      (withLines ? ` LEFT JOIN ${table(OrderLineEntity)} ol ON ol.${esc('orderId')} = o.${esc('id')}` : '') +
      ` WHERE r.${esc('rn')} <= ?`
    );
  });
  const rows: Record<string, unknown>[] = await readRows(em, sql, params);
  rows.sort((a, b) => Number(a.rn) - Number(b.rn) || (withLines ? Number(a.l_id ?? 0) - Number(b.l_id ?? 0) : 0));
  const orders = new Map<string, OrderEntity>();
  const lines = new Map<string, OrderLineEntity[]>();
  const placed = new Set<string>();
  for (const r of rows) {
    const person = r.person as string;
    const id = r.o_id as string;
    let order = orders.get(id);
    if (!order) {
      order = o.hydrate(r)!;
      orders.set(id, order);
      lines.set(id, []);
    }
    // A row per line: the order joins the person's page once, its lines once per order.
    const at = `${person}\u0000${id}`;
    if (!placed.has(at)) {
      placed.add(at);
      result.get(person)?.push(order);
    }
    if (withLines && r.l_id !== null && r.l_id !== undefined) {
      const ls = lines.get(id)!;
      if (!ls.some((x) => String(x.id) === String(r.l_id))) ls.push(l.hydrate(r)!);
    }
  }
  if (!page.after) {
    const counts = new Map<string, number>(rows.map((r) => [r.person as string, Number(r.n)]));
    for (const [p] of people) extras.onCount?.(p, counts.get(p) ?? 0);
  }
  if (withLines) for (const [id, ls] of lines) extras.onLines?.(id, ls);
  return result;
}

/** How many orders each person has, by the same links, in one grouped statement. */
export async function orderCountByPerson(em: EntityManager, people: People): Promise<Map<string, number>> {
  const counts = new Map<string, number>(people.map(([p]) => [p, 0]));
  for (const group of grouped(people)) {
    if (group.length === 1 && tooMany(group[0][1])) counts.set(group[0][0], await alone(em, group[0][1]).getCount());
    else for (const [person, n] of await countLinked(em, group)) counts.set(person, n);
  }
  return counts;
}

async function countLinked(em: EntityManager, people: People): Promise<Map<string, number>> {
  const params: unknown[] = [];
  const linked = linkedOrders(em, people, params);
  const counts = new Map<string, number>();
  if (!linked) return counts;
  const sql = once(em, `count-linked|${linked}`, () => {
    const esc = quote(em);
    return `SELECT l.${esc('person')} AS ${esc('person')}, COUNT(*) AS ${esc('n')} FROM (${linked}) l GROUP BY l.${esc('person')}`;
  });
  const rows: { person: string; n: number | string }[] = await readRows(em, sql, params);
  for (const r of rows) counts.set(r.person, Number(r.n));
  return counts;
}

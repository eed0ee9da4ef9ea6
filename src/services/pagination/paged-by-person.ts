import { Brackets, EntityManager } from 'typeorm';
import { OrderEntity } from '../../entities/store';
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
 * theirs once. Returns the SQL with named parameters, or null when nobody has an identifier.
 */
function linkedOrders(em: EntityManager, people: People, params: Record<string, unknown>): string | null {
  const esc = (name: string) => em.connection.driver.escape(name);
  const table = esc(em.connection.getMetadata(OrderEntity).tableName);
  const parts: string[] = [];
  let n = 0;
  for (const [kind, column] of LINKS.order.matchedBy) {
    const pairs = people.flatMap(([person, ids]) => ids[kind].map((v) => [person, v] as const));
    if (pairs.length === 0) continue;
    const values = pairs
      .map(([person, v], i) => {
        params[`k${n}`] = person;
        params[`v${n}`] = v;
        n++;
        return i === 0 ? `SELECT :k${n - 1} AS ${esc('person')}, :v${n - 1} AS ${esc('v')}` : `SELECT :k${n - 1}, :v${n - 1}`;
      })
      .join(' UNION ALL ');
    parts.push(
      `SELECT o.${esc('id')} AS ${esc('id')}, o.${esc('createdAt')} AS ${esc('t')}, m.${esc('person')} AS ${esc('person')} ` +
        `FROM ${table} o INNER JOIN (${values}) m ON o.${esc(column)} = m.${esc('v')}`,
    );
  }
  return parts.length ? parts.join(' UNION ') : null;
}

/**
 * One page of orders per person, for many people, in two statements whatever their number (as
 * pagedByParent, but a person is several identifiers, not one parent column): a window function
 * ranks each person's linked orders newest first and keeps `first + 1`, then they are loaded.
 */
export async function ordersByPerson(em: EntityManager, people: People, page: PageRequest): Promise<Map<string, OrderEntity[]>> {
  const result = new Map<string, OrderEntity[]>(people.map(([p]) => [p, []]));
  for (const group of grouped(people)) {
    if (group.length === 1 && tooMany(group[0][1])) {
      result.set(group[0][0], await newestFirstPage(alone(em, group[0][1]), 'o', 'createdAt', page).getMany());
      continue;
    }
    for (const [person, rows] of await rankedOrders(em, group, page)) result.set(person, rows);
  }
  return result;
}

async function rankedOrders(em: EntityManager, people: People, page: PageRequest): Promise<Map<string, OrderEntity[]>> {
  const result = new Map<string, OrderEntity[]>(people.map(([p]) => [p, []]));
  const params: Record<string, unknown> = {};
  const linked = linkedOrders(em, people, params);
  if (!linked) return result;
  const esc = (name: string) => em.connection.driver.escape(name);
  let where = '';
  if (page.after?.at) {
    params.afterAt = page.after.at;
    params.afterId = page.after.id;
    where = ` WHERE (l.${esc('t')} < :afterAt OR (l.${esc('t')} = :afterAt AND l.${esc('id')} < :afterId))`;
  }
  const sql =
    `SELECT ${esc('id')}, ${esc('person')}, ${esc('rn')} FROM (` +
    `SELECT l.${esc('id')} AS ${esc('id')}, l.${esc('person')} AS ${esc('person')}, ` +
    `ROW_NUMBER() OVER (PARTITION BY l.${esc('person')} ORDER BY l.${esc('t')} DESC, l.${esc('id')} DESC) AS ${esc('rn')} ` +
    `FROM (${linked}) l${where}) ranked WHERE ${esc('rn')} <= ${Number(page.first) + 1}`;
  const [query, bound] = em.connection.driver.escapeQueryWithParameters(sql, params);
  const ranked: { id: string; person: string; rn: number | string }[] = await em.query(query, bound);
  if (ranked.length === 0) return result;
  const rows = await em.createQueryBuilder(OrderEntity, 'y').where('y.id IN (:...ids)', { ids: [...new Set(ranked.map((r) => r.id))] }).getMany();
  const byId = new Map(rows.map((r) => [r.id, r]));
  ranked
    .sort((a, b) => Number(a.rn) - Number(b.rn))
    .forEach((r) => {
      const row = byId.get(r.id);
      if (row) result.get(r.person)?.push(row);
    });
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
  const params: Record<string, unknown> = {};
  const linked = linkedOrders(em, people, params);
  const counts = new Map<string, number>();
  if (!linked) return counts;
  const esc = (name: string) => em.connection.driver.escape(name);
  const sql = `SELECT l.${esc('person')} AS ${esc('person')}, COUNT(*) AS ${esc('n')} FROM (${linked}) l GROUP BY l.${esc('person')}`;
  const [query, bound] = em.connection.driver.escapeQueryWithParameters(sql, params);
  const rows: { person: string; n: number | string }[] = await em.query(query, bound);
  for (const r of rows) counts.set(r.person, Number(r.n));
  return counts;
}

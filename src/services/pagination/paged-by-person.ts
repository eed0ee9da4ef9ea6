import { EntityManager } from 'typeorm';
import { OrderEntity } from '../../entities/store';
import { LINKS } from '../subject/person-links';
import type { Identifiers } from '../subject/subject-input';
import type { PageRequest } from './cursor';

/**
 * `SELECT orders.id, createdAt, person` for every order linked to each person, by the order's
 * link columns (person-links.ts: customer ID, e-mail, visitor ID), one equality join per column
 * so each uses its index. UNION (not ALL): an order reached by two of a person's identifiers is
 * theirs once. Returns the SQL with named parameters, or null when nobody has an identifier.
 */
function linkedOrders(em: EntityManager, people: [string, Identifiers][], params: Record<string, unknown>): string | null {
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
export async function ordersByPerson(em: EntityManager, people: [string, Identifiers][], page: PageRequest): Promise<Map<string, OrderEntity[]>> {
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
export async function orderCountByPerson(em: EntityManager, people: [string, Identifiers][]): Promise<Map<string, number>> {
  const params: Record<string, unknown> = {};
  const linked = linkedOrders(em, people, params);
  const counts = new Map<string, number>(people.map(([p]) => [p, 0]));
  if (!linked) return counts;
  const esc = (name: string) => em.connection.driver.escape(name);
  const sql = `SELECT l.${esc('person')} AS ${esc('person')}, COUNT(*) AS ${esc('n')} FROM (${linked}) l GROUP BY l.${esc('person')}`;
  const [query, bound] = em.connection.driver.escapeQueryWithParameters(sql, params);
  const rows: { person: string; n: number | string }[] = await em.query(query, bound);
  for (const r of rows) counts.set(r.person, Number(r.n));
  return counts;
}

import { EntityManager, ObjectLiteral } from 'typeorm';
import { once, projection, quote, readRows } from '../loaders/raw-rows';
import type { PageRequest } from './cursor';

export interface PagedByParentOptions<E> {
  /** Column naming the parent (e.g. visitorId), indexed together with `timeColumn`. */
  parentColumn: keyof E & string;
  /** Newest first by this column, then by id. */
  timeColumn: keyof E & string;
  /** Whether the entity's id is numeric (cursor ids are strings). */
  numericId?: boolean;
}

/** Parents per statement: SQLite refuses a compound SELECT of more than 500 terms. */
const PARENTS_PER_STATEMENT = 400;

/**
 * One page per parent, for many parents, in ONE statement for up to 400 parents: per parent, a
 * `SELECT … WHERE parent = ? ORDER BY time DESC, id DESC LIMIT first + 1` (the extra row tells
 * whether a next page exists), as branches of a UNION ALL. Each branch reads its rows in order
 * from the (parent, time) index and stops after `first + 1`: a visitor with a long log costs no
 * more than one with a short one (a window over the whole log would sort it all). The SQL is
 * written once per process for each number of parents and cursor presence.
 */
export async function pagedByParent<E extends ObjectLiteral & { id: string | number }>(
  em: EntityManager,
  entity: new () => E,
  parentIds: readonly string[],
  page: PageRequest,
  opts: PagedByParentOptions<E>,
): Promise<Map<string, E[]>> {
  const result = new Map<string, E[]>(parentIds.map((id) => [id, []]));
  const p = projection(em, entity, 'x', 'y_');
  const after = Boolean(page.after?.at);
  const at = after ? p.persist(opts.timeColumn, page.after!.at) : null;
  const afterId = after ? (opts.numericId ? Number(page.after!.id) : page.after!.id) : null;
  for (let i = 0; i < parentIds.length; i += PARENTS_PER_STATEMENT) {
    const part = parentIds.slice(i, i + PARENTS_PER_STATEMENT);
    const sql = once(em, `paged|${entity.name}|${opts.parentColumn}|${opts.timeColumn}|${part.length}|${after ? 1 : 0}`, () => {
      const esc = quote(em);
      const table = esc(em.connection.getMetadata(entity).tableName);
      const parent = `x.${esc(opts.parentColumn)}`;
      const time = `x.${esc(opts.timeColumn)}`;
      const id = `x.${esc('id')}`;
      const one =
        `SELECT ${p.columns} FROM ${table} x WHERE ${parent} = ?` +
        (after ? ` AND (${time} < ? OR (${time} = ? AND ${id} < ?))` : '') +
        ` ORDER BY ${time} DESC, ${id} DESC LIMIT ?`;
      // MariaDB takes a parenthesized branch with its own ORDER BY and LIMIT; SQLite only as a subquery.
      const mysql = em.connection.options.type === 'mysql' || em.connection.options.type === 'mariadb';
      return part.map((_, j) => (mysql ? `(${one})` : `SELECT * FROM (${one}) ${esc(`b${j}`)}`)).join(' UNION ALL ');
    });
    const params: unknown[] = [];
    for (const parentId of part) {
      params.push(parentId);
      if (after) params.push(at, at, afterId);
      params.push(Number(page.first) + 1);
    }
    const rows: Record<string, unknown>[] = await readRows(em, sql, params);
    for (const r of rows) {
      const row = p.hydrate(r)!;
      result.get(row[opts.parentColumn] as string)?.push(row);
    }
  }
  // Each parent's rows newest first, then by id (the branches' order within is not the statement's).
  const key = (e: E) => (e[opts.timeColumn] as Date).getTime();
  const cmpId = (a: E, b: E) => (opts.numericId ? Number(b.id) - Number(a.id) : String(b.id) < String(a.id) ? -1 : String(b.id) > String(a.id) ? 1 : 0);
  for (const rows of result.values()) rows.sort((a, b) => key(b) - key(a) || cmpId(a, b));
  return result;
}

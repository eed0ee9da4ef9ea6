import { EntityManager, ObjectLiteral } from 'typeorm';
import { marks, once, projection, quote } from '../loaders/raw-rows';
import type { PageRequest } from './cursor';

export interface PagedByParentOptions<E> {
  /** Column naming the parent (e.g. visitorId), indexed together with `timeColumn`. */
  parentColumn: keyof E & string;
  /** Newest first by this column, then by id. */
  timeColumn: keyof E & string;
  /** Whether the entity's id is numeric (cursor ids are strings). */
  numericId?: boolean;
  /** How many rows each parent has in all, known for free on a first page. */
  onCount?: (parentId: string, count: number) => void;
}

/**
 * One page per parent, for many parents, in ONE statement whatever their number: a window
 * function ranks each parent's rows by (time, id), keeps `first + 1` of them (the extra row tells
 * whether a next page exists) and counts them all; the rows are joined back by primary key in the
 * same statement, so the window sorts keys, not whole rows. The SQL is written once per process
 * for each number of parents (a page's, bounded) and cursor presence.
 */
export async function pagedByParent<E extends ObjectLiteral & { id: string | number }>(
  em: EntityManager,
  entity: new () => E,
  parentIds: readonly string[],
  page: PageRequest,
  opts: PagedByParentOptions<E>,
): Promise<Map<string, E[]>> {
  const result = new Map<string, E[]>(parentIds.map((id) => [id, []]));
  if (parentIds.length === 0) return result;
  const p = projection(em, entity, 'y', 'y_');
  const after = Boolean(page.after?.at);
  const sql = once(em, `paged|${entity.name}|${opts.parentColumn}|${opts.timeColumn}|${parentIds.length}|${after ? 1 : 0}`, () => {
    const esc = quote(em);
    const table = esc(em.connection.getMetadata(entity).tableName);
    const parent = `x.${esc(opts.parentColumn)}`;
    const time = `x.${esc(opts.timeColumn)}`;
    const id = `x.${esc('id')}`;
    return (
      `SELECT r.${esc('parent')} AS ${esc('parent')}, r.${esc('rn')} AS ${esc('rn')}, r.${esc('n')} AS ${esc('n')}, ${p.columns} FROM (` +
      `SELECT ${id} AS ${esc('id')}, ${parent} AS ${esc('parent')}, ` +
      `ROW_NUMBER() OVER (PARTITION BY ${parent} ORDER BY ${time} DESC, ${id} DESC) AS ${esc('rn')}, ` +
      `COUNT(*) OVER (PARTITION BY ${parent}) AS ${esc('n')} ` +
      `FROM ${table} x WHERE ${parent} IN (${marks(parentIds.length)})` +
      (after ? ` AND (${time} < ? OR (${time} = ? AND ${id} < ?))` : '') +
      `) r INNER JOIN ${table} y ON y.${esc('id')} = r.${esc('id')} WHERE r.${esc('rn')} <= ?`
    );
  });
  const params: unknown[] = [...parentIds];
  if (after) {
    const at = p.persist(opts.timeColumn, page.after!.at);
    params.push(at, at, opts.numericId ? Number(page.after!.id) : page.after!.id);
  }
  params.push(Number(page.first) + 1);
  const rows: Record<string, unknown>[] = await em.query(sql, params);
  rows.sort((a, b) => Number(a.rn) - Number(b.rn));
  for (const r of rows) result.get(r.parent as string)?.push(p.hydrate(r)!);
  if (!after && opts.onCount) {
    const counts = new Map<string, number>(rows.map((r) => [r.parent as string, Number(r.n)]));
    for (const id of parentIds) opts.onCount(id, counts.get(id) ?? 0);
  }
  return result;
}

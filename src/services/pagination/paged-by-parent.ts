import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { PageRequest } from './cursor';

export interface PagedByParentOptions {
  /** Column naming the parent (e.g. customerId), indexed together with `timeColumn`. */
  parentColumn: string;
  /** Newest first by this column, then by id. */
  timeColumn: string;
  /** Whether the entity's id is numeric (cursor ids are strings). */
  numericId?: boolean;
}

/**
 * One page per parent, for many parents, in two statements whatever their number: a window
 * function ranks each parent's rows and keeps `first + 1` of them (the extra row tells whether
 * a next page exists), then the rows are loaded by primary key.
 */
export async function pagedByParent<E extends ObjectLiteral & { id: string | number }>(
  em: EntityManager,
  entity: EntityTarget<E>,
  parentIds: readonly string[],
  page: PageRequest,
  opts: PagedByParentOptions,
): Promise<Map<string, E[]>> {
  const result = new Map<string, E[]>(parentIds.map((id) => [id, []]));
  if (parentIds.length === 0) return result;
  const esc = (name: string) => em.connection.driver.escape(name);
  const parent = `x.${esc(opts.parentColumn)}`;
  const time = `x.${esc(opts.timeColumn)}`;
  const id = `x.${esc('id')}`;
  const inner = em
    .createQueryBuilder(entity, 'x')
    .select(id, 'id')
    .addSelect(parent, 'parent')
    .addSelect(`ROW_NUMBER() OVER (PARTITION BY ${parent} ORDER BY ${time} DESC, ${id} DESC)`, 'rn')
    .where(`${parent} IN (:...parentIds)`, { parentIds: [...parentIds] });
  if (page.after?.at) {
    const afterId = opts.numericId ? Number(page.after.id) : page.after.id;
    inner.andWhere(`(${time} < :afterAt OR (${time} = :afterAt AND ${id} < :afterId))`, { afterAt: page.after.at, afterId });
  }
  const [sql, params] = inner.getQueryAndParameters();
  const ranked: { id: string | number; parent: string; rn: number | string }[] = await em.query(
    `SELECT ${esc('id')}, ${esc('parent')}, ${esc('rn')} FROM (${sql}) ranked WHERE ${esc('rn')} <= ${Number(page.first) + 1}`,
    params,
  );
  if (ranked.length === 0) return result;
  const rows = await em.createQueryBuilder(entity, 'y').where('y.id IN (:...ids)', { ids: ranked.map((r) => r.id) }).getMany();
  const byId = new Map(rows.map((r) => [String(r.id), r]));
  ranked
    .sort((a, b) => Number(a.rn) - Number(b.rn))
    .forEach((r) => {
      const row = byId.get(String(r.id));
      if (row) result.get(r.parent)?.push(row);
    });
  return result;
}

import { Brackets, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { PageRequest } from './cursor';

/**
 * Orders a query newest first by (time, id) and continues after the page's cursor: the keyset
 * every newest-first list in the gateway uses. Fetches `first + 1` rows (see toConnection).
 */
export function newestFirstPage<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  timeColumn: string,
  page: PageRequest,
  opts: { numericId?: boolean } = {},
): SelectQueryBuilder<T> {
  const time = `${alias}.${timeColumn}`;
  const id = `${alias}.id`;
  qb.orderBy(time, 'DESC').addOrderBy(id, 'DESC').limit(page.first + 1);
  if (page.after?.at) {
    const at = page.after.at;
    const after = opts.numericId ? Number(page.after.id) : page.after.id;
    qb.andWhere(new Brackets((w) => w.where(`${time} < :pageAt`, { pageAt: at }).orWhere(`(${time} = :pageAt AND ${id} < :pageId)`, { pageAt: at, pageId: after })));
  }
  return qb;
}

import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { VisitEventEntity } from '../../entities/store';

/** How many events each visitor's log holds: one GROUP BY for all the visitors of a page. */
export const createEventCountByVisitorLoader = (em: () => Promise<EntityManager>) =>
  new DataLoader<string, number>(async (ids) => {
    const rows: { visitorId: string; n: string | number }[] = await (await em())
      .createQueryBuilder(VisitEventEntity, 'e')
      .select('e.visitorId', 'visitorId')
      .addSelect('COUNT(*)', 'n')
      .where('e.visitorId IN (:...ids)', { ids: [...ids] })
      .groupBy('e.visitorId')
      .getRawMany();
    const byId = new Map(rows.map((r) => [r.visitorId, Number(r.n)]));
    return ids.map((id) => byId.get(id) ?? 0);
  });

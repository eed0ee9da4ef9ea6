import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { OrderEntity } from '../../entities/store';

/** How many orders each customer has: one GROUP BY for the whole page of customers. */
export const createOrderCountByCustomerLoader = (em: () => Promise<EntityManager>) =>
  new DataLoader<string, number>(async (ids) => {
    const rows: { customerId: string; n: string | number }[] = await (await em())
      .createQueryBuilder(OrderEntity, 'o')
      .select('o.customerId', 'customerId')
      .addSelect('COUNT(*)', 'n')
      .where('o.customerId IN (:...ids)', { ids: [...ids] })
      .groupBy('o.customerId')
      .getRawMany();
    const byId = new Map(rows.map((r) => [r.customerId, Number(r.n)]));
    return ids.map((id) => byId.get(id) ?? 0);
  });

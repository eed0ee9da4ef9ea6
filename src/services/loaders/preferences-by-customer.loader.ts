import DataLoader from 'dataloader';
import { EntityManager, In } from 'typeorm';
import { OrderEntity, OrderLineEntity, ProductEntity, VisitEventEntity, VisitorEntity } from '../../entities/store';
import { PreferenceResult, scorePreferences } from '../profiles/preferences';

type Tally = Map<string, Map<string, number>>;

function tally(rows: { customerId: string; productId: string; n: string | number }[]): Tally {
  const t: Tally = new Map();
  for (const r of rows) {
    const m = t.get(r.customerId) ?? new Map<string, number>();
    m.set(r.productId, Number(r.n));
    t.set(r.customerId, m);
  }
  return t;
}

/** Preferences for a page of customers in three statements: clicks, units bought, categories. */
export const createPreferencesByCustomerLoader = (em: () => Promise<EntityManager>) =>
  new DataLoader<string, PreferenceResult>(async (ids) => {
    const m = await em();
    const clickRows = await m
      .createQueryBuilder(VisitEventEntity, 'e')
      .innerJoin(VisitorEntity, 'v', 'v.id = e.visitorId')
      .select('v.customerId', 'customerId')
      .addSelect('e.productId', 'productId')
      .addSelect('COUNT(*)', 'n')
      .where('v.customerId IN (:...ids)', { ids: [...ids] })
      .andWhere("e.type = 'CLICK'")
      .andWhere('e.productId IS NOT NULL')
      .groupBy('v.customerId')
      .addGroupBy('e.productId')
      .getRawMany();
    const boughtRows = await m
      .createQueryBuilder(OrderLineEntity, 'l')
      .innerJoin(OrderEntity, 'o', 'o.id = l.orderId')
      .select('o.customerId', 'customerId')
      .addSelect('l.productId', 'productId')
      .addSelect('SUM(l.quantity)', 'n')
      .where('o.customerId IN (:...ids)', { ids: [...ids] })
      .groupBy('o.customerId')
      .addGroupBy('l.productId')
      .getRawMany();
    const clicks = tally(clickRows);
    const bought = tally(boughtRows);
    const productIds = new Set([...clickRows, ...boughtRows].map((r: { productId: string }) => r.productId));
    const products = productIds.size ? await m.find(ProductEntity, { where: { id: In([...productIds]) }, select: { id: true, category: true } }) : [];
    const categoryOf = new Map(products.map((p) => [p.id, p.category]));
    const none = new Map<string, number>();
    return ids.map((id) => scorePreferences(clicks.get(id) ?? none, bought.get(id) ?? none, categoryOf));
  });

import { EntityManager, In } from 'typeorm';
import { CustomerEntity, OrderEntity, VisitEventEntity, VisitorEntity } from '../../entities/store';
import { Footprint } from './footprint';
import { rollupEventsDeleting, rollupOrdersAnonymizing } from '../stats/rollups';
import { forgetTallies } from '../profiles/preference-tallies';

export interface EraseCounts {
  customersDeleted: number;
  ordersAnonymized: number;
  visitorsDeleted: number;
  eventsDeleted: number;
}

export const ZERO_COUNTS: EraseCounts = { customersDeleted: 0, ordersAnonymized: 0, visitorsDeleted: 0, eventsDeleted: 0 };

/** Rows per statement, so a person with a long history never builds one enormous statement. */
const CHUNK = 500;

async function inChunks(ids: string[], work: (chunk: string[]) => Promise<number>): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += CHUNK) n += await work(ids.slice(i, i + CHUNK));
  return n;
}

/**
 * Erases a footprint inside the caller's transaction: the visit events and visitors, the
 * personal fields of the orders (lines, totals, currency and times stay), the customers with
 * their CRM attributes.
 */
export async function eraseFootprint(em: EntityManager, f: Footprint): Promise<EraseCounts> {
  const visitorIds = f.visitors.map((v) => v.id);
  const eventsDeleted = await inChunks(visitorIds, async (ids) => {
    await rollupEventsDeleting(em, { visitorIds: ids });
    return (await em.delete(VisitEventEntity, { visitorId: In(ids) })).affected ?? 0;
  });
  const visitorsDeleted = await inChunks(visitorIds, async (ids) => (await em.delete(VisitorEntity, { id: In(ids) })).affected ?? 0);
  const ordersAnonymized = await inChunks(
    f.orders.map((o) => o.id),
    async (ids) => {
      await rollupOrdersAnonymizing(em, ids);
      return (await em.update(OrderEntity, { id: In(ids) }, { customerId: null, email: null, visitorId: null, anonymized: true })).affected ?? 0;
    },
  );
  const customersDeleted = await inChunks(f.customers.map((c) => c.id), async (ids) => (await em.delete(CustomerEntity, { id: In(ids) })).affected ?? 0);
  await forgetTallies(em, visitorIds, [...f.orders.map((o) => o.customerId), ...f.customers.map((c) => c.id)]);
  return { customersDeleted, ordersAnonymized, visitorsDeleted, eventsDeleted };
}

import DataLoader from 'dataloader';
import { EntityManager, In } from 'typeorm';
import { OrderLineEntity } from '../../entities/store';

/** Lines of many orders in one statement, in the order they were sent. */
export const createLinesByOrderLoader = (em: () => Promise<EntityManager>) =>
  new DataLoader<string, OrderLineEntity[]>(async (ids) => {
    const rows = await (await em()).find(OrderLineEntity, { where: { orderId: In([...ids]) }, order: { id: 'ASC' } });
    const byOrder = new Map<string, OrderLineEntity[]>();
    for (const r of rows) byOrder.set(r.orderId, [...(byOrder.get(r.orderId) ?? []), r]);
    return ids.map((id) => byOrder.get(id) ?? []);
  });

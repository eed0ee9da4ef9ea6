import DataLoader from 'dataloader';
import { EntityManager, In } from 'typeorm';
import { VisitorEntity } from '../../entities/store';

/** The visitor IDs linked to each customer, most recently seen first. */
export const createVisitorsByCustomerLoader = (em: () => Promise<EntityManager>) =>
  new DataLoader<string, VisitorEntity[]>(async (ids) => {
    const rows = await (await em()).find(VisitorEntity, { where: { customerId: In([...ids]) }, order: { lastSeenAt: 'DESC', id: 'ASC' } });
    const byCustomer = new Map<string, VisitorEntity[]>();
    for (const r of rows) if (r.customerId) byCustomer.set(r.customerId, [...(byCustomer.get(r.customerId) ?? []), r]);
    return ids.map((id) => byCustomer.get(id) ?? []);
  });

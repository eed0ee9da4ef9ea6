import DataLoader from 'dataloader';
import { EntityManager, In } from 'typeorm';
import { CustomerEntity } from '../../entities/store';

/** Customers by ID (for an order's or a visitor's customer). */
export const createCustomerByIdLoader = (em: () => Promise<EntityManager>) =>
  new DataLoader<string, CustomerEntity | null>(async (ids) => {
    const rows = await (await em()).findBy(CustomerEntity, { id: In([...ids]) });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });

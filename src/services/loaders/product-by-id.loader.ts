import DataLoader from 'dataloader';
import { EntityManager, In } from 'typeorm';
import { ProductEntity } from '../../entities/store';

/** Products by ID, for order lines and top products: one statement per page, whatever its size. */
export const createProductByIdLoader = (em: () => Promise<EntityManager>) =>
  new DataLoader<string, ProductEntity | null>(async (ids) => {
    const rows = await (await em()).findBy(ProductEntity, { id: In([...ids]) });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });

import DataLoader from 'dataloader';
import type { StoreEntity } from '../../entities/catalog';
import type { Tenancy } from '../../tenancy/tenancy';

/** Catalog rows of the stores a request touches, one statement per tick. */
export const createStoreByIdLoader = (tenancy: Tenancy) =>
  new DataLoader<string, StoreEntity | null>((ids) => tenancy.storesByIds(ids));

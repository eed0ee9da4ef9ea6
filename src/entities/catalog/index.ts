import { ApiKeyEntity } from './api-key.entity';
import { CompanyEntity } from './company.entity';
import { StoreEntity } from './store.entity';

export { ApiKeyEntity, CompanyEntity, StoreEntity };

/** Every entity of the catalog database. None holds a shopper's identifier in clear. */
export const CATALOG_ENTITIES = [CompanyEntity, StoreEntity, ApiKeyEntity];

import { ApiKeyEntity } from './api-key.entity';
import { AuditEntryEntity } from './audit-entry.entity';
import { CompanyEntity } from './company.entity';
import { ForgetRequestEntity } from './forget-request.entity';
import { PurgeRunEntity } from './purge-run.entity';
import { StoreEntity } from './store.entity';
import { StoreCredentialEntity } from './store-credential.entity';
import { SubProcessorEntity } from './sub-processor.entity';
import { SuppressionEntity } from './suppression.entity';

export { ApiKeyEntity, AuditEntryEntity, CompanyEntity, ForgetRequestEntity, PurgeRunEntity, StoreCredentialEntity, StoreEntity, SubProcessorEntity, SuppressionEntity };

/** Every entity of the catalog database. None holds a shopper's identifier in clear. */
export const CATALOG_ENTITIES = [CompanyEntity, StoreEntity, ApiKeyEntity, ForgetRequestEntity, SuppressionEntity, AuditEntryEntity, SubProcessorEntity, PurgeRunEntity, StoreCredentialEntity];

import { ApiKeyEntity } from './api-key.entity';
import { AuditEntryEntity } from './audit-entry.entity';
import { AuditSubjectEntity } from './audit-subject.entity';
import { CatalogVersionEntity } from './catalog-version.entity';
import { CompanyEntity } from './company.entity';
import { ForgetRequestEntity } from './forget-request.entity';
import { LeaseEntity } from './lease.entity';
import { PurgeRunEntity } from './purge-run.entity';
import { ShopifyWebhookEntity } from './shopify-webhook.entity';
import { StoreDeletionEntity } from './store-deletion.entity';
import { StoreEntity } from './store.entity';
import { StoreCredentialEntity } from './store-credential.entity';
import { SubProcessorEntity } from './sub-processor.entity';
import { SuppressionEntity } from './suppression.entity';
import { WebhookAttemptEntity } from './webhook-attempt.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';

export {
  ApiKeyEntity,
  AuditEntryEntity,
  AuditSubjectEntity,
  CatalogVersionEntity,
  CompanyEntity,
  ForgetRequestEntity,
  LeaseEntity,
  PurgeRunEntity,
  ShopifyWebhookEntity,
  StoreCredentialEntity,
  StoreDeletionEntity,
  StoreEntity,
  SubProcessorEntity,
  SuppressionEntity,
  WebhookAttemptEntity,
  WebhookDeliveryEntity,
};

/** Every entity of the catalog database. None holds a shopper's identifier in clear. */
export const CATALOG_ENTITIES = [
  CompanyEntity,
  StoreEntity,
  ApiKeyEntity,
  ForgetRequestEntity,
  SuppressionEntity,
  AuditEntryEntity,
  AuditSubjectEntity,
  SubProcessorEntity,
  PurgeRunEntity,
  LeaseEntity,
  StoreCredentialEntity,
  WebhookDeliveryEntity,
  WebhookAttemptEntity,
  StoreDeletionEntity,
  ShopifyWebhookEntity,
  CatalogVersionEntity,
];

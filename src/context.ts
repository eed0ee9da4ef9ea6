import type { Config } from './config';
import type { Metrics } from './http/metrics';
import type { Logger } from './logging';
import { randomUUID } from 'node:crypto';
import type { Principal } from './auth/principal';
import type { ApiKeyService } from './services/auth/api-key.service';
import type { CompanyService } from './services/catalog/company.service';
import type { StoreService } from './services/catalog/store.service';
import type { IngestionService } from './services/ingestion/ingestion.service';
import { createLoaders, type Loaders } from './services/loaders/create-loaders';
import type { ProfileService } from './services/profiles/profile.service';
import type { StoreStatsService } from './services/stats/store-stats.service';
import type { ProductIngestionService } from './services/ingestion/product-ingestion.service';
import type { AuditService } from './services/audit/audit.service';
import { ReadAudit } from './services/audit/read-audit';
import type { AuditLogService } from './services/audit/audit-log.service';
import type { DashboardService } from './services/dashboard/dashboard.service';
import type { RetentionService } from './services/retention/retention.service';
import type { LeaseService } from './services/locks/lease.service';
import type { SubjectHasher } from './services/subject/subject-hasher';
import type { ForgetService } from './services/privacy/forget.service';
import type { LedgerService } from './services/privacy/ledger.service';
import type { ReplayService } from './services/privacy/replay.service';
import type { ReportService } from './services/privacy/report.service';
import type { SuppressionListService } from './services/privacy/suppression.service';
import type { QueryObserver } from './tenancy/query-observer';
import type { Tenancy } from './tenancy/tenancy';
import type { WebhookService } from './services/webhooks/webhook.service';
import type { ReceiptService } from './services/receipts/receipt.service';
import type { StoreDeletionService } from './services/catalog/store-deletion.service';

/** Everything built once per process and shared by requests. Holds no per-request state. */
export interface Services {
  config: Config;
  log: Logger;
  observer: QueryObserver;
  tenancy: Tenancy;
  apiKeys: ApiKeyService;
  companies: CompanyService;
  stores: StoreService;
  profiles: ProfileService;
  stats: StoreStatsService;
  products: ProductIngestionService;
  ingestion: IngestionService;
  audit: AuditService;
  forget: ForgetService;
  reports: ReportService;
  replay: ReplayService;
  ledger: LedgerService;
  hasher: SubjectHasher;
  auditLog: AuditLogService;
  dashboard: DashboardService;
  metrics: Metrics;
  retention: RetentionService;
  suppressions: SuppressionListService;
  /** One-at-a-time work across instances (retention purge, forget recovery, running forgets). */
  leases: LeaseService;
  /** Webhooks out: targets, secrets, the outbox (the worker is started by main.ts). */
  webhooks: WebhookService;
  /** Signed receipts of forgets and store deletions, and the keys that verify them. */
  receipts: ReceiptService;
  /** Store offboarding (deleteStore, shop/redact, npm run delete-store) and its crash recovery. */
  storeDeletions: StoreDeletionService;
}

/** The one typed request context, built by `createContext` and nowhere else. */
export interface Context {
  requestId: string;
  principal: Principal | null;
  services: Services;
  loaders: Loaders;
  log: Logger;
  /** Personal records this request returned, for the audit trail. */
  reads: ReadAudit;
}

/**
 * The only place a Context is made: HTTP requests (after authentication), the CLIs, the
 * schedules and workers (retention, forget recovery, Shopify webhooks), store moves and the demo
 * seed. Each gets its own request ID, fresh DataLoaders and an empty read audit.
 */
export function createContext(services: Services, principal: Principal, requestId: string = randomUUID()): Context {
  // The request's logger is made on its first line: most requests write none (a child logger
  // with redaction costs more than the rest of a small read's context).
  let log: Logger | undefined;
  return {
    requestId,
    principal,
    services,
    loaders: createLoaders(services.tenancy, { principal }),
    get log(): Logger {
      return (log ??= services.log.child({ requestId, apiKeyId: principal.apiKeyId }));
    },
    reads: new ReadAudit(),
  };
}

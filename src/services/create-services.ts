import { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Services } from '../context';
import { Metrics } from '../http/metrics';
import type { Logger } from '../logging';
import { prepareMysql } from '../tenancy/prepare-mysql';
import { attachFailover } from '../tenancy/host-failover';
import { catalogOptions } from '../tenancy/data-source-factory';
import { QueryObserver } from '../tenancy/query-observer';
import { StoreRegistry } from '../tenancy/store-registry';
import { watchPool } from '../tenancy/pool-usage';
import { Tenancy } from '../tenancy/tenancy';
import { ApiKeyService } from './auth/api-key.service';
import { ensureBootstrapKey } from './auth/bootstrap-key';
import { CompanyService } from './catalog/company.service';
import { StoreService } from './catalog/store.service';
import { StoreDeletionService } from './catalog/store-deletion.service';
import { IngestionService } from './ingestion/ingestion.service';
import { ProfileService } from './profiles/profile.service';
import { StoreStatsService } from './stats/store-stats.service';
import { ProductIngestionService } from './ingestion/product-ingestion.service';
import { AuditService } from './audit/audit.service';
import { AuditLogService } from './audit/audit-log.service';
import { DashboardService } from './dashboard/dashboard.service';
import { RetentionService } from './retention/retention.service';
import { LeaseService } from './locks/lease.service';
import { loadSubProcessors } from './dashboard/sub-processor.service';
import { ForgetService } from './privacy/forget.service';
import { LedgerService } from './privacy/ledger.service';
import { ReplayService } from './privacy/replay.service';
import { ReportContentService } from './privacy/report-content.service';
import { ReportService } from './privacy/report.service';
import { SuppressionListService, SuppressionService } from './privacy/suppression.service';
import { SubjectHasher } from './subject/subject-hasher';
import { WebhookService } from './webhooks/webhook.service';
import { WebhookSecretBox } from './webhooks/webhook-secret';
import { ReceiptService } from './receipts/receipt.service';
import { ReceiptSigner } from './receipts/receipt-signer';
import { ShopifyWebhookService } from './integrations/shopify-webhook.service';

/** The process's services, wired, with what the HTTP server and shutdown need beside them. */
export interface Wiring {
  services: Services;
  /** Shopify compliance webhooks: the queue and its worker (main.ts polls it). */
  shopify: ShopifyWebhookService;
  /** Answers when the catalog database does (the readiness check). */
  ping(): Promise<void>;
  /** Closes every store pool, the catalog, and the failover watch. */
  close(): Promise<void>;
}

/**
 * Opens the catalog (creating and migrating it), prepares the store servers, and wires every
 * service once per process. No HTTP here: the CLIs use this through createGateway too.
 */
export async function createServices(givenConfig: Config, log: Logger): Promise<Wiring> {
  const observer = new QueryObserver();
  // Receipt keys first: a missing or malformed key stops the start before any database is touched.
  const receipts = new ReceiptService(
    await ReceiptSigner.load({ engine: givenConfig.engine, dataDir: givenConfig.dataDir, signingKeyPem: givenConfig.receiptSigningKey, previousKeysPem: givenConfig.receiptPreviousKeys }),
  );
  // Servers listing several hosts (cluster nodes) connect to the first healthy one.
  const failover = attachFailover(givenConfig, log);
  const config = givenConfig.engine === 'mysql' ? await prepareMysql(failover.config, observer, log).catch((err: unknown) => {
    failover.stop();
    throw err;
  }) : givenConfig;
  const catalog = new DataSource(catalogOptions(config, observer.loggerFor('catalog', log)));
  await catalog.initialize();
  await catalog.runMigrations({ transaction: 'each' });
  const registry = new StoreRegistry(config, observer, log);
  const tenancy = new Tenancy(catalog, registry);
  const hasher = new SubjectHasher(config.subjectHashSecret);
  const audit = new AuditService(tenancy, hasher);
  const suppression = new SuppressionService(tenancy, hasher);
  const catalogPool = watchPool(catalog);
  const metrics = new Metrics(() => registry.openCount, () => registry.poolWaiting() + catalogPool.waiting);
  registry.onOpen = () => metrics.storeOpens.inc();
  const leases = new LeaseService(tenancy, config.leaseTtlMs, log);
  const webhooks = new WebhookService(config, tenancy, audit, new WebhookSecretBox(config.subjectHashSecret));
  const forget = new ForgetService(tenancy, hasher, suppression, audit, log, metrics, leases, webhooks);
  const services: Services = {
    config,
    log,
    observer,
    tenancy,
    apiKeys: new ApiKeyService(tenancy),
    companies: new CompanyService(tenancy),
    stores: new StoreService(config, tenancy, audit, webhooks),
    profiles: new ProfileService(tenancy, hasher),
    stats: new StoreStatsService(tenancy),
    products: new ProductIngestionService(tenancy),
    ingestion: new IngestionService(tenancy, suppression),
    audit,
    forget,
    reports: new ReportService(tenancy, hasher, audit, new ReportContentService(tenancy)),
    replay: new ReplayService(tenancy, hasher, audit),
    ledger: new LedgerService(tenancy),
    hasher,
    auditLog: new AuditLogService(tenancy, hasher),
    dashboard: new DashboardService(config, tenancy),
    metrics,
    retention: new RetentionService(tenancy, audit, (kind, n) => metrics.purges.inc({ kind }, n)),
    suppressions: new SuppressionListService(tenancy, hasher, audit),
    leases,
    webhooks,
    receipts,
    storeDeletions: new StoreDeletionService(config, tenancy, audit, leases, receipts, log, webhooks),
  };
  const shopify = new ShopifyWebhookService(services);
  await loadSubProcessors(tenancy.systemCatalog());
  if (config.bootstrapAdminKey) {
    const outcome = await ensureBootstrapKey(tenancy.systemCatalog(), config.bootstrapAdminKey);
    if (outcome === 'kept-revoked') log.warn('the operator key (BOOTSTRAP_ADMIN_KEY) is revoked; set a new BOOTSTRAP_ADMIN_KEY to replace it');
  }

  return {
    services,
    shopify,
    ping: async () => {
      await catalog.query('SELECT 1');
    },
    close: async () => {
      await registry.closeAll();
      await catalog.destroy();
      failover.stop();
    },
  };
}

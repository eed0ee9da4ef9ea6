import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express, { Express } from 'express';
import { DataSource } from 'typeorm';
import type { Config } from './config';
import { attachFailover } from './tenancy/host-failover';
import { createContext, type Context, type Services } from './context';
import { isCodedError, RateLimitedError, ServiceUnavailableError, UnauthenticatedError } from './errors';
import { armor, QUERY_LIMITS } from './http/armor';
import { Metrics } from './http/metrics';
import { queryCostPlugin } from './http/query-cost';
import { createRedisClient, RateLimiter, redisReady } from './http/rate-limit';
import { auditPlugin } from './http/audit-plugin';
import { auditedOperationName } from './http/operation-name';
import { formatError, isUnavailable } from './http/format-error';
import { PlaygroundExample, playgroundRouter } from './http/playground';
import { dashboardRouter } from './http/dashboard-page';
import { shopifyWebhookRouter } from './http/shopify-webhooks';
import { ShopifyWebhookService } from './services/integrations/shopify-webhook.service';
import type { Logger } from './logging';
import { scrubPersonal } from './logging';
import { createSchema } from './schema';
import { ApiKeyService } from './services/auth/api-key.service';
import { ensureBootstrapKey } from './services/auth/bootstrap-key';
import { CompanyService } from './services/catalog/company.service';
import { StoreService } from './services/catalog/store.service';
import { StoreDeletionService } from './services/catalog/store-deletion.service';
import { IngestionService } from './services/ingestion/ingestion.service';
import { ProfileService } from './services/profiles/profile.service';
import { StoreStatsService } from './services/stats/store-stats.service';
import { ProductIngestionService } from './services/ingestion/product-ingestion.service';
import { AuditService } from './services/audit/audit.service';
import { AuditLogService } from './services/audit/audit-log.service';
import { DashboardService } from './services/dashboard/dashboard.service';
import { RetentionService } from './services/retention/retention.service';
import { LeaseService } from './services/locks/lease.service';
import { loadSubProcessors } from './services/dashboard/sub-processor.service';
import { ForgetService } from './services/privacy/forget.service';
import { LedgerService } from './services/privacy/ledger.service';
import { ReplayService } from './services/privacy/replay.service';
import { ReportContentService } from './services/privacy/report-content.service';
import { ReportService } from './services/privacy/report.service';
import { SuppressionListService, SuppressionService } from './services/privacy/suppression.service';
import { SubjectHasher } from './services/subject/subject-hasher';
import { WebhookService } from './services/webhooks/webhook.service';
import { WebhookSecretBox } from './services/webhooks/webhook-secret';
import { ReceiptService } from './services/receipts/receipt.service';
import { ReceiptSigner } from './services/receipts/receipt-signer';
import { catalogOptions } from './tenancy/data-source-factory';
import { QueryObserver } from './tenancy/query-observer';
import { prepareStoreServers } from './tenancy/store-servers';
import { StoreRegistry, waitingOn } from './tenancy/store-registry';
import { Tenancy } from './tenancy/tenancy';

/** Largest request body accepted; a GraphQL document plus a full ingestion batch fit well inside. */
export const MAX_BODY_BYTES = 1_000_000;

export interface Gateway {
  services: Services;
  /** Shopify compliance webhooks: the queue and its worker (main.ts polls it). */
  shopify: ShopifyWebhookService;
  apollo: ApolloServer<Context>;
  http: Express;
  /** Builds a context as an HTTP request with this bearer secret would get (tests, scripts). */
  contextFor(secret: string | null): Promise<Context>;
  /** Starts the public listener on `port`, and the metrics listener as configured (METRICS_PORT). */
  listen(port: number): Promise<Server>;
  /** The metrics listener, once `listen` has started it (null when METRICS_PORT=off). */
  metricsServer(): Server | null;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  demoKey?: () => string | null;
  examples?: () => Promise<PlaygroundExample[]>;
}

/** Opens the catalog (migrating it), wires services, and prepares the HTTP app. */
export async function createGateway(givenConfig: Config, log: Logger, options: GatewayOptions = {}): Promise<Gateway> {
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
  const audit = new AuditService(catalog, hasher);
  const suppression = new SuppressionService(catalog, hasher);
  const metrics = new Metrics(() => registry.openCount, () => registry.poolWaiting() + waitingOn(catalog));
  const leases = new LeaseService(catalog, config.leaseTtlMs, log);
  const webhooks = new WebhookService(config, tenancy, audit, new WebhookSecretBox(config.subjectHashSecret));
  const forget = new ForgetService(tenancy, hasher, suppression, audit, log, metrics, leases, webhooks);
  // Several instances share one budget through Redis; one instance may keep it in memory.
  const redis = config.redisUrl ? createRedisClient(config.redisUrl, log) : undefined;
  const limiter = new RateLimiter(
    { perKeyPerMinute: config.rateLimitPerMinute, anonymousPerMinute: config.rateLimitAnonPerMinute },
    redis && { redis, prefix: `pgw:${config.mysql?.catalogDatabase ?? 'embedded'}` },
  );
  if (redis) await redisReady(redis, 2000);
  const services: Services = {
    config,
    log,
    observer,
    tenancy,
    apiKeys: new ApiKeyService(catalog),
    companies: new CompanyService(tenancy),
    stores: new StoreService(config, tenancy, observer, log, audit, webhooks),
    profiles: new ProfileService(tenancy, hasher),
    stats: new StoreStatsService(tenancy),
    products: new ProductIngestionService(tenancy),
    ingestion: new IngestionService(tenancy, suppression),
    audit,
    forget,
    reports: new ReportService(tenancy, forget, audit, new ReportContentService(tenancy)),
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
  await loadSubProcessors(catalog);
  if (config.bootstrapAdminKey) {
    const outcome = await ensureBootstrapKey(catalog, config.bootstrapAdminKey);
    if (outcome === 'kept-revoked') log.warn('the operator key (BOOTSTRAP_ADMIN_KEY) is revoked; set a new BOOTSTRAP_ADMIN_KEY to replace it');
  }

  /** Authenticates, rate-limits (per key; per address without a valid key) and builds the context. */
  const contextFor = async (secret: string | null, requestId = randomUUID(), address = 'local'): Promise<Context> => {
    const principal = await services.apiKeys.authenticate(secret);
    if (!principal) {
      await limiter.consume('anonymous', address);
      throw new UnauthenticatedError();
    }
    await limiter.consume('key', principal.apiKeyId);
    return createContext(services, principal, requestId);
  };

  const http = express();
  const httpServer = createServer(http);
  const limits = armor();
  const apollo = new ApolloServer<Context>({
    schema: await createSchema(),
    formatError,
    includeStacktraceInErrorResponses: false,
    // Apollo refuses introspection when NODE_ENV=production unless told otherwise. Here the
    // context function refuses every request without a valid key before validation, so
    // introspection is exactly as open as the rest of the schema: a key reads it (the
    // playground's docs need it), anonymous callers get UNAUTHENTICATED.
    introspection: true,
    allowBatchedHttpRequests: false,
    // main.ts owns SIGTERM: drain, close the pools, then exit. Apollo's own handler would
    // re-raise the signal and kill the process half-way through that.
    stopOnTerminationSignals: false,
    validationRules: limits.validationRules,
    parseOptions: { maxTokens: QUERY_LIMITS.maxTokens },
    plugins: [
      // graphql-armor's plugins first: a later list must not replace them.
      ...limits.plugins,
      queryCostPlugin(),
      requestLogging(log),
      auditPlugin(),
      metrics.plugin(),
      // On stop: refuse new connections, let requests in flight (a forget, say) finish.
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownTimeoutMs }),
    ],
  });
  await apollo.start();
  let stopping = false;

  http.disable('x-powered-by');
  http.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  http.get('/readyz', async (_req, res) => {
    if (stopping) {
      res.status(503).json({ status: 'stopping' });
      return;
    }
    try {
      await withTimeout(catalog.query('SELECT 1'), 2000);
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });
  // The public keys receipts are verified with (no auth: anyone holding a receipt may check it).
  http.get('/.well-known/jwks.json', (_req, res) => {
    res.set('cache-control', 'public, max-age=300').json(receipts.jwks());
  });
  http.use(shopifyWebhookRouter(shopify, log));
  http.use(
    playgroundRouter({
      demoKey: options.demoKey ?? (() => null),
      examples: options.examples ?? (async () => []),
    }),
  );
  http.use(dashboardRouter({ demoKey: options.demoKey ?? (() => null) }));
  http.use(
    '/graphql',
    express.json({ limit: MAX_BODY_BYTES }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = randomUUID();
        res.setHeader('x-request-id', requestId);
        try {
          return await contextFor(bearer(req.headers.authorization), requestId, req.ip ?? req.socket.remoteAddress ?? 'unknown');
        } catch (err) {
          if (err instanceof RateLimitedError) res.setHeader('Retry-After', String(err.extensions.retryAfterSeconds));
          // The catalog is unreachable (a cluster node just lost): Apollo would report an error
          // thrown here as INTERNAL_SERVER_ERROR, dropping its cause.
          if (!isCodedError(err) && isUnavailable(err)) throw new ServiceUnavailableError();
          throw err;
        }
      },
    }),
  );
  // Malformed JSON and oversized bodies are the client's fault: a 4xx with a coded error.
  http.use((err: { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) log.error({ err: scrubPersonal(String(err)) }, 'unhandled HTTP error');
    res.status(status).json({
      errors: [{ message: status === 413 ? 'Request body too large' : status === 500 ? 'Internal server error' : 'Malformed request', extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }],
    });
  });

  // Metrics have their own listener (api.md), on loopback by default: scrapers never share the
  // public port's connections, and nobody outside the host reads them unless configured.
  const metricsServer = config.metricsPort === null ? null : createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics unavailable\n'),
    );
  });
  const listenOn = (server: Server, port: number, host: string) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });

  return {
    services,
    shopify,
    apollo,
    http,
    contextFor: (secret) => contextFor(secret),
    listen: async (port) => {
      if (metricsServer) await listenOn(metricsServer, config.metricsPort!, config.metricsHost);
      await listenOn(httpServer, port, '0.0.0.0');
      return httpServer;
    },
    metricsServer: () => (metricsServer?.listening ? metricsServer : null),
    stop: async () => {
      stopping = true;
      if (metricsServer?.listening) {
        metricsServer.closeAllConnections();
        await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      }
      // Drains HTTP first (the drain plugin), then closes every pool.
      await apollo.stop();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await registry.closeAll();
      await catalog.destroy();
      failover.stop();
      redis?.disconnect();
    },
  };
}

function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1] : null;
}

/** Creates the catalog database if needed and finds out whether the server is MariaDB or MySQL. */
async function prepareMysql(config: Config, observer: QueryObserver, log: Logger): Promise<Config> {
  const m = config.mysql!;
  const admin = new DataSource({
    type: 'mysql',
    host: m.host,
    port: m.port,
    extra: m.failover ? { stream: m.failover.connect } : undefined,
    username: m.user,
    password: m.password,
    connectTimeout: config.dbConnectTimeoutMs,
    logger: observer.loggerFor('catalog', log),
    logging: ['error'],
  });
  await admin.initialize();
  try {
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${m.catalogDatabase}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    const [{ v }] = await admin.query('SELECT VERSION() AS v');
    // A Galera node answers reads from what it has applied: without causal reads, a request
    // through one node may miss a write just acknowledged through another (a new store, a key).
    const wsrep = new Map<string, string>(
      ((await admin.query("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('wsrep_on', 'wsrep_sync_wait')")) as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name.toLowerCase(), String(r.Value)]),
    );
    if (wsrep.get('wsrep_on') === 'ON' && (Number(wsrep.get('wsrep_sync_wait') ?? 0) & 1) === 0) {
      log.warn('the catalog server is a Galera node without causal reads: set wsrep_sync_wait=1 on every node (see "Running on a cluster" in the README)');
    }
    return await prepareStoreServers({ ...config, mysql: { ...m, flavor: /mariadb/i.test(String(v)) ? 'mariadb' : 'mysql' } }, log);
  } finally {
    await admin.destroy();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}

/** One structured line per request; unexpected errors logged in full (scrubbed) under the request ID. */
function requestLogging(log: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      const reqLog = contextValue.log ?? log;
      return {
        async didEncounterErrors({ errors }) {
          for (const e of errors) {
            const code = e.extensions?.code;
            if (!code || code === 'INTERNAL_SERVER_ERROR') {
              const original = e.originalError ?? e;
              reqLog.error({ err: scrubPersonal(original.stack ?? String(original)), path: e.path?.join('.') }, 'unexpected error');
            }
          }
        },
        async willSendResponse({ response, operationName, operation, document, errors }) {
          if (response.body.kind === 'single') {
            for (const err of response.body.singleResult.errors ?? []) {
              if (err.extensions?.code === 'INTERNAL_SERVER_ERROR') (err.extensions as Record<string, unknown>).requestId = contextValue.requestId;
            }
          }
          reqLog.info({ operation: operationName || operation ? auditedOperationName(operationName, operation, document) : null, ms: Math.round(performance.now() - started), errors: errors?.length ?? 0 }, 'graphql request');
        },
      };
    },
  };
}

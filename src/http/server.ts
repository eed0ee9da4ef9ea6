import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express, { Express } from 'express';
import { createContext, type Context, type Services } from '../context';
import { isCodedError, RateLimitedError, ServiceUnavailableError, UnauthenticatedError } from '../errors';
import type { Logger } from '../logging';
import { scrubPersonal } from '../logging';
import { createSchema } from '../schema';
import type { ShopifyWebhookService } from '../services/integrations/shopify-webhook.service';
import type { Wiring } from '../services/create-services';
import { armor, QUERY_LIMITS } from './armor';
import { auditPlugin } from './audit-plugin';
import { compiledExecutor } from './compiled-executor';
import { dashboardRouter } from './dashboard-page';
import { formatError, isUnavailable } from './format-error';
import { auditedOperationName } from './operation-name';
import { PlaygroundExample, playgroundRouter } from './playground';
import { queryCostPlugin } from './query-cost';
import { createRedisClient, RateLimiter, redisReady } from './rate-limit';
import { shopifyWebhookRouter } from './shopify-webhooks';

/** Largest request body accepted; a GraphQL document plus a full ingestion batch fit well inside. */
export const MAX_BODY_BYTES = 1_000_000;

/** A running gateway: its services and its HTTP side. */
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

/**
 * The HTTP side over wired services: rate limits, authentication into a context (createContext),
 * Apollo, the routes (health, JWKS, Shopify, playground, dashboard), the error middleware and the
 * metrics listener. Stopping it drains requests, then closes the services' databases.
 */
export async function createHttpServer(wiring: Wiring, options: GatewayOptions = {}): Promise<Gateway> {
  const { services } = wiring;
  const { config, log } = services;
  // Several instances share one budget through Redis; one instance may keep it in memory.
  const redis = config.redisUrl ? createRedisClient(config.redisUrl, log) : undefined;
  const limiter = new RateLimiter(
    { perKeyPerMinute: config.rateLimitPerMinute, anonymousPerMinute: config.rateLimitAnonPerMinute },
    redis && { redis, prefix: `pgw:${config.mysql?.catalogDatabase ?? 'embedded'}` },
  );
  if (redis) await redisReady(redis, 2000);

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
    // Hot documents run compiled (graphql-jit); Apollo's executor hook is its gateway interface.
    gateway: compiledExecutor(await createSchema(), { compileAfter: config.graphqlCompileAfter }),
    formatError,
    includeStacktraceInErrorResponses: false,
    // Apollo's own lines ("Unexpected error processing request: …") into the gateway's log,
    // scrubbed: a driver's message can quote a value, and the console is nobody's log.
    logger: apolloLogger(log),
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
      services.metrics.plugin(),
      // No field sets a cache hint and no response is cached: without this, Apollo installs its
      // cache-control plugin, which wraps every field's resolver (about 3 % of a profile read).
      ApolloServerPluginCacheControlDisabled(),
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
      await withTimeout(wiring.ping(), 2000);
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });
  // The public keys receipts are verified with (no auth: anyone holding a receipt may check it).
  http.get('/.well-known/jwks.json', (_req, res) => {
    res.set('cache-control', 'public, max-age=300').json(services.receipts.jwks());
  });
  http.use(shopifyWebhookRouter(wiring.shopify, log));
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
    services.metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': services.metrics.registry.contentType }).end(body),
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
    shopify: wiring.shopify,
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
      await wiring.close();
      redis?.disconnect();
    },
  };
}

function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1] : null;
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
function apolloLogger(log: Logger): Record<'debug' | 'info' | 'warn' | 'error', (message?: unknown) => void> {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (message?: unknown) => log[level]({ source: 'apollo' }, scrubPersonal(String(message)));
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function requestLogging(log: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      // Read when a line is written: ctx.log is made on first use (context.ts).
      const reqLog = () => contextValue.log ?? log;
      return {
        async didEncounterErrors({ errors }) {
          for (const e of errors) {
            const code = e.extensions?.code;
            if (!code || code === 'INTERNAL_SERVER_ERROR') {
              const original = e.originalError ?? e;
              reqLog().error({ err: scrubPersonal(original.stack ?? String(original)), path: e.path?.join('.') }, 'unexpected error');
            }
          }
        },
        async willSendResponse({ response, operationName, operation, document, errors }) {
          if (response.body.kind === 'single') {
            for (const err of response.body.singleResult.errors ?? []) {
              if (err.extensions?.code === 'INTERNAL_SERVER_ERROR') (err.extensions as Record<string, unknown>).requestId = contextValue.requestId;
            }
          }
          // LOG_LEVEL above info (production benches run silent): no line, and nothing built for one.
          if (log.isLevelEnabled('info')) reqLog().info({ operation: operationName || operation ? auditedOperationName(operationName, operation, document) : null, ms: Math.round(performance.now() - started), errors: errors?.length ?? 0 }, 'graphql request');
        },
      };
    },
  };
}

import 'reflect-metadata';
import { createGateway } from './app';
import { startRetentionSchedule } from './services/retention/retention-schedule';
import { startForgetRecovery } from './services/privacy/forget-recovery';
import { startWebhookWorker } from './services/webhooks/webhook-worker';
import { ConfigError, loadConfig } from './config';
import { demoPlaygroundExamples, playgroundExamples } from './http/playground-examples';
import { createLogger } from './logging';
import { firstStoreId, readDemoKey, seedDemo } from './services/demo/demo-seed.service';
import { startDeletionRecovery } from './services/catalog/store-deletion.service';
import { startShopifyQueue } from './services/integrations/shopify-webhook.service';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(config.logLevel);
  const demoMode = config.engine === 'sqlite' && config.seedDemo;
  const demoKey = () => (demoMode ? readDemoKey(config.dataDir) : null);
  const gateway = await createGateway(config, log, {
    demoKey,
    examples: async () => {
      if (!demoKey()) return playgroundExamples(null, null);
      return demoPlaygroundExamples(await firstStoreId(gateway.services));
    },
  });
  if (demoMode) {
    const started = Date.now();
    const seeded = await seedDemo(gateway.services);
    if (seeded) log.info({ ms: Date.now() - started, stores: seeded.storeIds.length }, 'demo data created');
  }
  const stopSchedule = startRetentionSchedule(gateway.services);
  const stopRecovery = startForgetRecovery(gateway.services);
  // Sends the outbox in the background; due deliveries left by a stopped process go out at once.
  const stopWebhooks = startWebhookWorker(gateway.services);
  const stopDeletionRecovery = startDeletionRecovery(gateway.services.storeDeletions, config.forgetRecoveryIntervalMs, log);
  const stopShopify = startShopifyQueue(gateway.shopify, config.shopifyPollIntervalMs);
  const server = await gateway.listen(config.port);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const key = demoKey();
  // Printed for the person at the terminal, not as a log line: a key belongs on the screen only.
  process.stdout.write(
    `\nPrivacy gateway listening on http://localhost:${port}/graphql (engine: ${config.engine})\n` +
      (key ? `Playground: open http://localhost:${port}/graphql in a browser; the demo key is pre-filled.\n` : '') +
      `GDPR dashboard: http://localhost:${port}/dashboard\n` +
      (key ? `Demo API key: ${key}\n\n` : '\n'),
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: draining requests in flight');
    // Past the grace period, leave anyway: the orchestrator would kill us a moment later.
    setTimeout(() => {
      log.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5000).unref();
    stopSchedule();
    stopRecovery();
    await stopWebhooks();
    stopDeletionRecovery();
    stopShopify();
    await gateway.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  console.error('The gateway could not start:', err instanceof Error ? err.message : err);
  process.exit(1);
});

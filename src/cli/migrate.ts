import 'reflect-metadata';
import { IsNull } from 'typeorm';
import { createGateway } from '../app';
import { loadConfig } from '../config';
import { StoreEntity } from '../entities/catalog';
import { createLogger } from '../logging';
import { cliContext } from './cli-context';

/** `npm run migrate`: brings the catalog and every store database up to date, then exits. */
async function main(): Promise<void> {
  const config = loadConfig();
  const gateway = await createGateway(config, createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel));
  try {
    const { tenancy } = gateway.services;
    const ctx = cliContext(gateway);
    const stores = await tenancy.operatorCatalog(ctx).getRepository(StoreEntity).find({ where: { deletedAt: IsNull() }, order: { createdAt: 'ASC' } }); // a deleted store has no database left
    process.stdout.write(`catalog: up to date\n`);
    let done = 0;
    for (const store of stores) {
      // Opening a store database runs its pending migrations; closing keeps the pool count low.
      await tenancy.openStore(ctx, store);
      await tenancy.closeStore(ctx, store);
      done++;
      process.stdout.write(`\rstores: ${done}/${stores.length} up to date`);
    }
    process.stdout.write(stores.length ? '\n' : 'stores: none\n');
  } finally {
    await gateway.stop();
  }
}

main().catch((err) => {
  console.error('Migration failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});

import { parseArgs } from 'node:util';
import { runCli } from './cli-context';

/**
 * `npm run rotate-store-credentials [-- --store <id>]`: moves each store's database user (MySQL)
 * to the next password generation, with today's rules for hosts and grants (this is also how
 * stores created before those rules get them). Gateways keep serving: each reopens the store's
 * pool with the new password on its next request for it. Run one rotation at a time.
 */
const { values } = parseArgs({ options: { store: { type: 'string' } } });

void runCli(async (ctx) => {
  const { tenancy, config, audit } = ctx.services;
  if (config.engine !== 'mysql') {
    process.stdout.write('Embedded SQLite: store databases are files, with no database users to rotate.\n');
    return;
  }
  const stores = await tenancy.storesInScope(ctx, values.store);
  for (const store of stores) {
    const generation = await tenancy.rotateStoreCredentials(ctx, store);
    await audit.record(ctx, [{ operation: 'rotateStoreCredentials', storeId: store.id, companyId: store.companyId, records: 0 }]);
    process.stdout.write(`${store.name} (${store.id.slice(0, 8)}): database user at password generation ${generation}\n`);
  }
  process.stdout.write(`${stores.length} store${stores.length === 1 ? '' : 's'} rotated\n`);
});

import { parseArgs } from 'node:util';
import { runCli } from './cli-context';

/** `npm run delete-store -- --store <id> --confirm <the store's name>`: offboarding, as deleteStore does. */
const { values } = parseArgs({ options: { store: { type: 'string' }, confirm: { type: 'string' } } });
if (!values.store || values.confirm === undefined) {
  process.stderr.write('usage: npm run delete-store -- --store <store id> --confirm <the store\'s name, exactly>\n');
  process.exit(2);
}

void runCli(async (ctx) => {
  const r = await ctx.services.storeDeletions.delete(ctx, values.store!, values.confirm!, 'cli');
  const d = r.deletion;
  process.stdout.write(
    `deleted store ${r.storeId} at ${r.deletedAt.toISOString()}: customers ${d.customersDeleted}, orders ${d.ordersDeleted}, visitors ${d.visitorsDeleted}, ` +
      `events ${d.eventsDeleted}; keys revoked ${d.keysRevoked}\nreceipt: ${r.receipt}\n`,
  );
});

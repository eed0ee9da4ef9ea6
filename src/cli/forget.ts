import { parseArgs } from 'node:util';
import { progress, runCli } from './cli-context';

/** `npm run forget -- --store <id> --customer <e-mail or id> [--dry-run]` */
const { values } = parseArgs({ options: { store: { type: 'string' }, customer: { type: 'string' }, 'dry-run': { type: 'boolean' } } });
if (!values.store || !values.customer) {
  process.stderr.write('usage: npm run forget -- --store <store id> --customer <e-mail or customer id> [--dry-run]\n');
  process.exit(2);
}

void runCli(async (ctx) => {
  const show = progress('stores');
  const outcomes = await ctx.services.forget.forget(ctx, values.customer!, values.store, values['dry-run'] ?? false);
  show(outcomes.length, outcomes.length);
  for (const o of outcomes) {
    process.stdout.write(
      `${o.status} store ${o.storeId} request ${o.id}: customers ${o.customersDeleted}, orders anonymized ${o.ordersAnonymized}, ` +
        `visitors ${o.visitorsDeleted}, events ${o.eventsDeleted}${o.alreadyForgotten ? ' (already forgotten)' : ''}` +
        `${o.status === 'COMPLETED' ? `; backups clear by ${o.backupsClearBy.toISOString()}` : ''}${o.failure ? `: ${o.failure}` : ''}\n`,
    );
  }
  if (outcomes.some((o) => o.status === 'FAILED')) process.exitCode = 1;
});

import { parseArgs } from 'node:util';
import { progress, runCli } from './cli-context';

/** `npm run forget -- --store <id> (--customer <e-mail or id> | --visitor <visitor id>) [--dry-run] [--reference <ticket>]` */
const { values } = parseArgs({
  options: { store: { type: 'string' }, customer: { type: 'string' }, visitor: { type: 'string' }, reference: { type: 'string' }, 'dry-run': { type: 'boolean' } },
});
if (!values.store || !values.customer === !values.visitor) {
  process.stderr.write('usage: npm run forget -- --store <store id> (--customer <e-mail or customer id> | --visitor <visitor id>) [--dry-run] [--reference <ticket>]\n');
  process.exit(2);
}

void runCli(async (ctx) => {
  const show = progress('stores');
  const outcomes = await ctx.services.forget.forget(ctx, { idOrEmail: values.customer, visitorId: values.visitor }, values.store, values['dry-run'] ?? false, values.reference);
  show(outcomes.length, outcomes.length);
  for (const o of outcomes) {
    process.stdout.write(
      `${o.status} store ${o.storeId} request ${o.id}: customers ${o.customersDeleted}, orders anonymized ${o.ordersAnonymized}, ` +
        `visitors ${o.visitorsDeleted}, events ${o.eventsDeleted}${o.found ? '' : ' (nothing held)'}${o.alreadyForgotten ? ' (already forgotten)' : ''}` +
        `${o.status === 'COMPLETED' ? `; backups clear by ${o.backupsClearBy.toISOString()}` : ''}${o.failure ? `: ${o.failure}` : ''}\n`,
    );
  }
  if (outcomes.some((o) => o.status === 'FAILED')) process.exitCode = 1;
});

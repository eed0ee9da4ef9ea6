import { parseArgs } from 'node:util';
import { progress, runCli } from './cli-context';

/** `npm run replay -- --since <date> [--store <id>]`: after restoring a backup, forget again. */
const { values } = parseArgs({ options: { since: { type: 'string' }, store: { type: 'string' } } });
const since = values.since ? new Date(values.since) : null;
if (!since || Number.isNaN(since.getTime())) {
  process.stderr.write('usage: npm run replay -- --since <ISO date, e.g. 2026-11-01> [--store <store id>]\n');
  process.exit(2);
}

void runCli(async (ctx) => {
  const r = await ctx.services.replay.replay(ctx, since, values.store, progress('stores replayed'));
  process.stdout.write(
    `replayed ${r.replayed} forget requests since ${since.toISOString()}: customers ${r.customersDeleted}, orders anonymized ${r.ordersAnonymized}, visitors ${r.visitorsDeleted}, events ${r.eventsDeleted}\n`,
  );
});

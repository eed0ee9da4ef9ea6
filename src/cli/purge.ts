import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { StoreEntity } from '../entities/catalog';
import { VisitorEntity } from '../entities/store';
import { withRetentionLock } from '../services/retention/retention-lock';
import { runCli } from './cli-context';

/** `npm run purge [-- --store <id>]`: the retention purge now, with a progress bar. */
const { values } = parseArgs({ options: { store: { type: 'string' } } });

void runCli(async (ctx) => {
  const { tenancy, retention, config } = ctx.services;
  const stores = await tenancy.storesInScope(ctx, values.store);
  const ran = await withRetentionLock(ctx.services.leases, async (lease) => {
    for (const store of stores) {
      const total = await (await tenancy.storeManager(ctx, store.id)).count(VisitorEntity);
      const bar = new SingleBar({ format: `${label(store)} [{bar}] {value}/{total} visitors | {events} events deleted`, hideCursor: true }, Presets.shades_classic);
      bar.start(total, 0, { events: 0 });
      let done = 0;
      const r = await retention.purge(ctx, store.id, {
        visitorBatch: 500,
        chunkSize: config.retentionChunk,
        triggeredBy: 'cli',
        shouldStop: () => lease.lost,
        onProgress: (run) => bar.update(Math.min(total, (done += 500)), { events: run.eventsDeleted }),
      });
      bar.update(total, { events: r.eventsDeleted });
      bar.stop();
      process.stdout.write(`${label(store)}: ${r.eventsDeleted} events and ${r.visitorsDeleted} visitors deleted\n`);
    }
  });
  if (!ran) {
    process.stderr.write('Another gateway instance is running the retention purge; try again later.\n');
    process.exitCode = 1;
  }
});

const label = (s: StoreEntity) => `${s.name} (${s.id.slice(0, 8)})`;

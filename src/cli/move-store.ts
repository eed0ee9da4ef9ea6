import { parseArgs } from 'node:util';
import { StoreMoveService } from '../services/catalog/store-move.service';
import { runCli } from './cli-context';

/** `npm run move-store -- --store <id> --to <server> [--drop-after <seconds>]` */
const { values } = parseArgs({ options: { store: { type: 'string' }, to: { type: 'string' }, 'drop-after': { type: 'string' }, chunk: { type: 'string' } } });
const dropAfter = values['drop-after'] === undefined ? 10 : Number(values['drop-after']);
const chunk = values.chunk === undefined ? 1000 : Number(values.chunk);
if (!values.store || !values.to || !Number.isFinite(dropAfter) || dropAfter < 0 || !Number.isInteger(chunk) || chunk < 1) {
  process.stderr.write('usage: npm run move-store -- --store <store id> --to <server name> [--drop-after <seconds, default 10>] [--chunk <rows, default 1000>]\n');
  process.exit(2);
}

void runCli(async (ctx) => {
  const s = ctx.services;
  const mover = new StoreMoveService(s.config, s.tenancy, s.replay, s.audit, s.log);
  const r = await mover.move(ctx, values.store!, values.to!, {
    chunkRows: chunk,
    dropAfterMs: dropAfter * 1000,
    onPhase: (phase, detail) => {
      process.stdout.write(`${phase}${detail?.table ? ` ${detail.table}` : ''}\n`);
    },
  });
  const rows = Object.entries(r.rows).map(([t, n]) => `${t} ${n}`).join(', ');
  process.stdout.write(
    `moved store ${r.storeId} (database ${r.databaseName}) from ${r.from} to ${r.to} in ${(r.ms / 1000).toFixed(1)} s; rows verified: ${rows}; ` +
      `forget requests replayed: ${r.replay.replayed} (customers ${r.replay.customersDeleted}, visitors ${r.replay.visitorsDeleted}, events ${r.replay.eventsDeleted}, orders anonymized ${r.replay.ordersAnonymized})\n`,
  );
});

/**
 * What keeping storeStats' rollups costs ingestion. Not part of the jest suite; run on demand:
 *
 *   npm run bench:stats-ingest -- [--rounds 12]
 *
 * A private MariaDB (test/support/private-mariadb.ts), an in-process gateway on it and one store.
 * Each round, with the rollup calls and without them (src/services/stats/rollups.ts' exports
 * replaced by no-ops in this process; interleaved, which goes first alternating): trackEvents
 * with 1,000 events (5,000 visitors, the last three days), upsertOrders with 500 new orders (two
 * lines each, 3,000 buyers), then the same 500 orders re-sent a day earlier (every one moves day,
 * the costliest re-send). It prints the wall time (median) and the MariaDB server's CPU (mean)
 * per batch. The first two rounds are not measured. Results: bench/STATS.md.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import * as rollups from '../src/services/stats/rollups';
import { startPrivateMariadb } from '../test/support/private-mariadb';
import { cpuMsOf } from './bench-support';

const DAY = 86_400_000;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string' } } });
  const rounds = Math.max(3, Number(values.rounds ?? 12));
  const db = await startPrivateMariadb(['--innodb-buffer-pool-size=256M']);
  try {
    // The test support reads the server's address when loaded: after it is known.
    process.env.MYSQL_TEST_URL = db.url;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startTestGateway, ok } = require('../test/support/gateway') as typeof import('../test/support/gateway');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createTenant, TRACK_EVENTS, UPSERT_ORDERS } = require('../test/support/fixtures') as typeof import('../test/support/fixtures');
    const t = await startTestGateway('mysql');
    try {
      const a = await createTenant(t, 'Ingest cost');
      const s = a.storeIds[0];
      const exported = rollups as unknown as Record<string, unknown>;
      const real = { ...exported };
      const calls = ['rollupEventsInserted', 'rollupOrdersUpserting'];
      let n = 0;
      const events = () =>
        Array.from({ length: 1000 }, () => ({
          visitorId: `v${Math.floor(Math.random() * 5000)}`,
          type: ['PAGE_VIEW', 'CONTENT_VIEW', 'CLICK'][n++ % 3],
          occurredAt: new Date(Date.now() - Math.floor(Math.random() * 3 * DAY)).toISOString(),
        }));
      const orders = (prefix: string) =>
        Array.from({ length: 500 }, (_, i) => ({
          id: `${prefix}-${i}`,
          customerId: `c${Math.floor(Math.random() * 3000)}`,
          createdAt: new Date(Date.now() - Math.floor(Math.random() * 3 * DAY)).toISOString(),
          currency: 'DKK',
          lines: [{ productId: `p${i % 40}`, quantity: 2, unitPrice: 12.5 }, { productId: 'p-common', quantity: 1, unitPrice: 99.95 }],
        }));
      const wall: Record<string, number[]> = {};
      const cpu: Record<string, number[]> = {};
      const measure = async (name: string, round: number, work: () => Promise<unknown>) => {
        const [t0, c0] = [performance.now(), cpuMsOf(db.pid()!)];
        await work();
        if (round < 2) return;
        (wall[name] ??= []).push(performance.now() - t0);
        (cpu[name] ??= []).push(cpuMsOf(db.pid()!) - c0);
      };
      for (let round = 0; round < rounds; round++) {
        for (const mode of round % 2 ? ['with rollups', 'without'] : ['without', 'with rollups']) {
          for (const k of calls) exported[k] = mode === 'without' ? async () => {} : real[k];
          const o = orders(`${mode === 'without' ? 'n' : 'r'}${round}`);
          await measure(`trackEvents 1,000 (${mode})`, round, async () => ok(await t.gql(a.key, TRACK_EVENTS, { s, e: events() })));
          await measure(`upsertOrders 500 new (${mode})`, round, async () => ok(await t.gql(a.key, UPSERT_ORDERS, { s, o })));
          const moved = o.map((x) => ({ ...x, createdAt: new Date(Date.parse(x.createdAt) - DAY).toISOString() }));
          await measure(`upsertOrders 500 re-sent, moved a day (${mode})`, round, async () => ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: moved })));
        }
      }
      for (const k of calls) exported[k] = real[k];
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
      const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
      for (const name of Object.keys(wall).sort()) console.log(`${name.padEnd(55)} wall p50 ${median(wall[name]).toFixed(0).padStart(5)} ms, MariaDB CPU ${mean(cpu[name]).toFixed(0).padStart(4)} ms (${wall[name].length} batches)`);
    } finally {
      await t.close();
    }
  } finally {
    await db.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

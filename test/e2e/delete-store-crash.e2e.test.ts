import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { parseMysqlUrl } from '../../src/config';
import { asMysqlAdmin, ENGINES, MYSQL_TEST_URL, ok, TestGateway } from '../support/gateway';
import { createKey, createTenant, UPSERT_CUSTOMERS } from '../support/fixtures';
import { GatewayProcess, killStartedProcesses, processDatabases, ProcessDatabases, startGatewayProcess } from '../support/process';
import { sleep } from '../support/wait';

/**
 * A gateway process killed (SIGKILL) in the middle of a store deletion: the store is marked
 * DELETING and already NOT_FOUND, its database not yet (or not wholly) gone. The restarted
 * gateway finishes the deletion by itself.
 */
const EVENTS = 30_000;
const FAST = { LEASE_TTL: '2s', FORGET_RECOVERY_INTERVAL: '1s' };
const RECENT = new Date(Date.now() - 86_400_000).toISOString().replace('T', ' ').replace('Z', '');

async function bulkEvents(dbs: ProcessDatabases, storeId: string, n: number): Promise<void> {
  const digit = '(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
  const concat = dbs.engine === 'mysql' ? "CONCAT('https://shop.example/p/', x.i)" : "'https://shop.example/p/' || x.i";
  await dbs.storeSql(
    storeId,
    `INSERT INTO visit_events (visitorId, type, url, occurredAt, durationSeconds)
     SELECT 'v-crash', 'PAGE_VIEW', ${concat}, ?, 5 FROM
       (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS i FROM ${digit} a, ${digit} b, ${digit} c, ${digit} e, ${digit} f) x
     WHERE x.i < ?`,
    [RECENT, n],
  );
}

afterAll(killStartedProcesses);

describe.each(ENGINES)('store deletion after a crash [%s]', (engine) => {
  let dbs: ProcessDatabases;
  let gw: GatewayProcess | undefined;
  beforeAll(async () => {
    dbs = await processDatabases(engine);
  });
  afterAll(async () => {
    if (gw && gw.child.exitCode === null) gw.child.kill('SIGKILL');
    await dbs.drop();
  });

  it('finishes a deletion killed mid-way at the next start: database gone, keys revoked, record COMPLETED with its counts', async () => {
    const first = await startGatewayProcess(dbs, FAST);
    gw = first;
    const tenant = await createTenant(first as unknown as TestGateway, 'Crash Delete');
    const s = tenant.storeIds[0];
    const narrowed = await createKey(first as unknown as TestGateway, tenant.key, tenant.companyId, ['PROFILES_READ'], [s]);
    ok(await first.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'c-1' }, { id: 'c-2' }] }));
    await bulkEvents(dbs, s, EVENTS);
    const [{ databaseName }] = await dbs.catalogSql<{ databaseName: string }>('SELECT databaseName FROM stores WHERE id = ?', [s]);
    const file = join(dbs.env.DATA_DIR, 'stores', `${databaseName}.sqlite`);
    const dbExists = async () =>
      engine === 'sqlite' ? existsSync(file) : asMysqlAdmin(async (c) => ((await c.query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [databaseName]))[0] as unknown[]).length > 0);

    // MySQL drops a database in a blink: an open transaction that read from it holds a metadata
    // lock, so the DROP waits (as behind a busy table) and the process dies before it is done.
    const holder = engine === 'mysql' ? await (async () => {
      const m = parseMysqlUrl(MYSQL_TEST_URL);
      const c = await createConnection({ host: m.host, port: m.port, user: m.user, password: m.password });
      await c.query('START TRANSACTION');
      await c.query(`SELECT COUNT(*) FROM \`${databaseName}\`.customers`);
      return c;
    })() : null;
    first.gql(tenant.key, 'mutation($s:ID!){ deleteStore(storeId:$s, confirmName:"Crash Delete store 1"){ storeId } }', { s }).catch(() => undefined);
    // The moment the catalog marks the store DELETING, the process dies.
    for (let i = 0; ; i++) {
      const [row] = await dbs.catalogSql<{ deletionState: string | null }>('SELECT deletionState FROM stores WHERE id = ?', [s]);
      if (row.deletionState) break;
      if (i > 20_000) throw new Error('the deletion did not start');
      await sleep(1);
    }
    first.child.kill('SIGKILL');
    await first.exited;
    if (holder) {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect(await dbs.catalogSql('SELECT deletionState FROM stores WHERE id = ?', [s])).toEqual([{ deletionState: 'DELETING' }]);
    expect(await dbs.catalogSql('SELECT status FROM store_deletions WHERE storeId = ?', [s])).toEqual([{ status: 'PENDING' }]);

    const second = await startGatewayProcess(dbs, FAST);
    gw = second;
    for (let i = 0; i < 300; i++) {
      const [row] = await dbs.catalogSql<{ deletionState: string }>('SELECT deletionState FROM stores WHERE id = ?', [s]);
      if (row.deletionState === 'DELETED') break;
      await sleep(100);
    }
    const [record] = await dbs.catalogSql<Record<string, unknown>>('SELECT status, customersDeleted, eventsDeleted, keysRevoked FROM store_deletions WHERE storeId = ?', [s]);
    expect({ ...record, customersDeleted: Number(record.customersDeleted), eventsDeleted: Number(record.eventsDeleted), keysRevoked: Number(record.keysRevoked) }).toEqual({
      status: 'COMPLETED',
      customersDeleted: 2,
      eventsDeleted: EVENTS,
      keysRevoked: 1,
    });
    expect(await dbExists()).toBe(false);
    if (engine === 'sqlite') for (const f of [`${file}-wal`, `${file}-shm`]) expect(existsSync(f)).toBe(false);
    expect((await second.gql(narrowed, 'query{ stores { id } }')).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await second.gql(tenant.key, 'query($s:ID!){ store(id:$s){ id } }', { s })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(await dbs.catalogSql('SELECT operation, apiKeyId FROM audit_log WHERE operation = ?', ['deleteStore.recovered'])).toEqual([{ operation: 'deleteStore.recovered', apiKeyId: 'system' }]);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 90_000);
});

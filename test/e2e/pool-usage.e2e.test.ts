import { DataSource } from 'typeorm';
import { ENGINES, MYSQL_TEST_URL } from '../support/gateway';
import { watchPool } from '../../src/tenancy/pool-usage';

/**
 * The pool counts the registry keeps itself (evicted pools still in use keep their grace; the
 * pgw_db_pool_waiting metric): a real MariaDB pool of one connection, taken, waited for,
 * handed over and given back.
 */
(ENGINES.includes('mysql') ? describe : describe.skip)('pool usage [mysql]', () => {
  let ds: DataSource;
  beforeAll(async () => {
    ds = await new DataSource({ type: 'mysql', url: MYSQL_TEST_URL, extra: { connectionLimit: 1 } }).initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
  });

  it('counts connections in use and requests waiting, across a hand-over to a waiter', async () => {
    const usage = watchPool(ds);
    expect(usage).toEqual({ checkedOut: 0, waiting: 0 });
    const first = ds.createQueryRunner();
    await first.connect();
    expect(usage).toEqual({ checkedOut: 1, waiting: 0 });

    const second = ds.createQueryRunner();
    let secondConnected = false;
    const connecting = second.connect().then(() => (secondConnected = true));
    // The one connection is out: the second waits in the pool's queue.
    await new Promise((r) => setImmediate(r));
    expect(usage.waiting).toBe(1);
    expect(secondConnected).toBe(false);

    await first.release();
    await connecting;
    // Handed straight to the waiter: still one out, nobody waiting.
    expect(usage).toEqual({ checkedOut: 1, waiting: 0 });
    await second.release();
    expect(usage).toEqual({ checkedOut: 0, waiting: 0 });
  });

  it('counts nothing for a driver without a pool (SQLite)', async () => {
    const sqlite = await new DataSource({ type: 'better-sqlite3', database: ':memory:' }).initialize();
    try {
      expect(watchPool(sqlite)).toEqual({ checkedOut: 0, waiting: 0 });
    } finally {
      await sqlite.destroy();
    }
  });
});

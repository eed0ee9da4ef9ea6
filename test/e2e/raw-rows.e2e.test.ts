import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { createConnection } from 'mysql2/promise';
import { DataSource, QueryFailedError } from 'typeorm';
import { parseMysqlUrl } from '../../src/config';
import { readRows } from '../../src/services/loaders/raw-rows';
import { mysqlOptions } from '../../src/tenancy/data-source-factory';
import { QueryObserver } from '../../src/tenancy/query-observer';
import { ENGINES } from '../support/gateway';

/**
 * readRows (the hot-path reads without TypeORM's query runner on MySQL) against `em.query`, on a
 * real server: the same rows, the statement counted by the observer, the same failures (a
 * QueryFailedError carrying the driver's code, which format-error maps), the query timeout, and
 * em.query itself inside a transaction. On SQLite it is em.query.
 */
const url = process.env.MYSQL_TEST_URL ?? 'mysql://root@127.0.0.1:3306';
const silent = pino({ level: 'silent' });
const driverCode = (e: unknown) => ((e as QueryFailedError).driverError as Error & { code?: string }).code;

describe.each(ENGINES)('readRows on %s', (engine) => {
  const observer = new QueryObserver();
  let ds: DataSource;
  const database = `pgw_rawrows_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    if (engine === 'mysql') {
      const admin = await createConnection(url);
      await admin.query(`CREATE DATABASE \`${database}\``);
      await admin.end();
      const server = parseMysqlUrl(url);
      ds = new DataSource(mysqlOptions(server, database, 'store', 2, 2000, observer.loggerFor('store:t', silent), 400, false));
    } else {
      ds = new DataSource({ type: 'better-sqlite3', database: ':memory:', logging: ['query', 'error'], logger: observer.loggerFor('store:t', silent) });
    }
    await ds.initialize();
    await ds.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))');
    await ds.query("INSERT INTO t (id, v) VALUES (1, 'one'), (2, NULL)");
  });
  afterAll(async () => {
    await ds?.destroy();
    if (engine === 'mysql') {
      const admin = await createConnection(url);
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
    }
  });

  it('returns what em.query returns, and is counted as one statement', async () => {
    observer.reset();
    const runners = jest.spyOn(ds, 'createQueryRunner');
    const sql = 'SELECT id, v FROM t WHERE id IN (?, ?) ORDER BY id';
    const rows = await readRows(ds.manager, sql, [1, 2]);
    expect(observer.total()).toBe(1);
    // On MySQL without a query runner (the point of readRows); on SQLite through em.query.
    expect(runners).toHaveBeenCalledTimes(engine === 'mysql' ? 0 : 1);
    runners.mockRestore();
    expect(rows).toEqual(await ds.manager.query(sql, [1, 2]));
    expect(rows).toEqual([{ id: 1, v: 'one' }, { id: 2, v: null }]);
  });

  it('fails as em.query fails: a QueryFailedError with the driver error inside', async () => {
    const viaRunner = await ds.manager.query('SELECT nope FROM t').catch((e: unknown) => e);
    const direct = await readRows(ds.manager, 'SELECT nope FROM t', []).catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(QueryFailedError);
    expect(driverCode(direct)).toBe(driverCode(viaRunner));
    // The pool is still usable afterwards (the connection went back).
    for (let i = 0; i < 5; i++) expect(await readRows(ds.manager, 'SELECT COUNT(*) AS n FROM t', [])).toHaveLength(1);
  });

  it('runs inside a transaction on that transaction', async () => {
    await ds.transaction(async (em) => {
      await em.query("INSERT INTO t (id, v) VALUES (3, 'three')");
      expect(await readRows(em, 'SELECT v FROM t WHERE id = ?', [3])).toEqual([{ v: 'three' }]);
      await em.query('DELETE FROM t WHERE id = 3');
    });
  });

  (engine === 'mysql' ? it : it.skip)('applies the query timeout as the runner does', async () => {
    const direct = await readRows(ds.manager, 'SELECT SLEEP(2) AS s', []).catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(QueryFailedError);
    expect(driverCode(direct)).toBe('PROTOCOL_SEQUENCE_TIMEOUT');
    expect(await readRows(ds.manager, 'SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
  });
});

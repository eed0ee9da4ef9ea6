import { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Logger } from '../logging';
import type { QueryObserver } from './query-observer';
import { prepareStoreServers } from './store-servers';

/** Creates the catalog database if needed and finds out whether the server is MariaDB or MySQL. */
export async function prepareMysql(config: Config, observer: QueryObserver, log: Logger): Promise<Config> {
  const m = config.mysql!;
  const admin = new DataSource({
    type: 'mysql',
    host: m.host,
    port: m.port,
    extra: m.failover ? { stream: m.failover.connect } : undefined,
    username: m.user,
    password: m.password,
    connectTimeout: config.dbConnectTimeoutMs,
    logger: observer.loggerFor('catalog', log),
    logging: ['error'],
  });
  await admin.initialize();
  try {
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${m.catalogDatabase}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    const [{ v }] = await admin.query('SELECT VERSION() AS v');
    // A Galera node answers reads from what it has applied: without causal reads, a request
    // through one node may miss a write just acknowledged through another (a new store, a key).
    const wsrep = new Map<string, string>(
      ((await admin.query("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('wsrep_on', 'wsrep_sync_wait')")) as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name.toLowerCase(), String(r.Value)]),
    );
    if (wsrep.get('wsrep_on') === 'ON' && (Number(wsrep.get('wsrep_sync_wait') ?? 0) & 1) === 0) {
      log.warn('the catalog server is a Galera node without causal reads: set wsrep_sync_wait=1 on every node (see "Running on a cluster" in the README)');
    }
    return await prepareStoreServers({ ...config, mysql: { ...m, flavor: /mariadb/i.test(String(v)) ? 'mariadb' : 'mysql' } }, log);
  } finally {
    await admin.destroy();
  }
}

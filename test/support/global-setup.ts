import { createConnection } from 'mysql2/promise';
import { parseMysqlUrl } from '../../src/config';

export const MYSQL_TEST_URL = process.env.MYSQL_TEST_URL ?? 'mysql://root@127.0.0.1:3306';

/**
 * Decides once which engines the suites run on. MySQL runs when its server answers; with
 * REQUIRE_MYSQL=1 (CI) an unreachable server fails the run instead of skipping silently.
 */
export default async function globalSetup(): Promise<void> {
  let available = false;
  let reason = '';
  try {
    const s = parseMysqlUrl(MYSQL_TEST_URL);
    const c = await createConnection({ host: s.host, port: s.port, user: s.user, password: s.password, connectTimeout: 3000 });
    await c.query('SELECT 1');
    await c.end();
    available = true;
  } catch (e) {
    reason = e instanceof Error ? e.message : String(e);
  }
  if (!available && process.env.REQUIRE_MYSQL === '1') {
    throw new Error(`REQUIRE_MYSQL=1 but MySQL at ${MYSQL_TEST_URL} is unreachable (${reason}): the MySQL suite must run`);
  }
  process.env.PGW_TEST_ENGINES = available ? 'sqlite,mysql' : 'sqlite';
  process.stdout.write(
    available
      ? `\nTest engines: SQLite and MySQL (${MYSQL_TEST_URL}).\n`
      : `\n*** MySQL suite SKIPPED: no MySQL at ${MYSQL_TEST_URL} (${reason}). Only SQLite runs. Set MYSQL_TEST_URL or start MariaDB. ***\n`,
  );
}

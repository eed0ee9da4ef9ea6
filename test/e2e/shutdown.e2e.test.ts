import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/config';
import { asMysqlAdmin, dropDatabases, MYSQL_TEST_URL, TEST_RECEIPT_KEY } from '../support/gateway';
import { listeningPort } from '../support/process';

const ROOT = join(__dirname, '..', '..');
const RUN_MYSQL = process.env.PGW_TEST_ENGINES?.includes('mysql');

/** The real entry point, as `npm start` runs it (from source, without a build). */
function startMain(env: Record<string, string>): { child: ChildProcess; output: () => string; port: Promise<number> } {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], { cwd: ROOT, env: { ...process.env, PORT: '0', METRICS_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const { port, output } = listeningPort(child);
  port.catch(() => undefined); // a test that expects an early exit does not wait for the port
  started.push(child);
  return { child, output, port };
}

const started: ChildProcess[] = [];
afterAll(() => started.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

const exitOf = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

describe('configuration', () => {
  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ DATABASE_URL: 'postgres://x' }, /DATABASE_URL/],
    [{ DATABASE_URL: 'mysql://root@127.0.0.1:3306' }, /SUBJECT_HASH_SECRET/],
    [{ BOOTSTRAP_ADMIN_KEY: 'short' }, /BOOTSTRAP_ADMIN_KEY/],
    [{ MAX_OPEN_STORES: '0' }, /MAX_OPEN_STORES/],
  ])('refuses %j naming the variable', (env, name) => {
    expect(() => loadConfig({ DATA_DIR: '/tmp/pgw-config-test', ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: '/tmp/pgw-config-test', ...env })).toThrow(name);
  });

  it('stops the process at start with a message naming the variable', async () => {
    const { child, output } = startMain({ PORT: 'eighty', DATA_DIR: '/tmp/pgw-config-test' });
    expect(await exitOf(child)).toBe(2);
    expect(output()).toMatch(/PORT/);
  }, 30_000);
});

(RUN_MYSQL ? describe : describe.skip)('graceful shutdown', () => {
  const catalogDb = `pgwt_${randomBytes(4).toString('hex')}`;
  afterAll(() => dropDatabases(catalogDb, loadConfig({ DATABASE_URL: `${MYSQL_TEST_URL}/${catalogDb}`, SUBJECT_HASH_SECRET: 'x'.repeat(64), DATA_DIR: '/tmp/pgw-shutdown' })));

  it('finishes a forget in flight on SIGTERM, refuses new work, closes its pools and exits 0', async () => {
    const admin = `admin-${randomBytes(12).toString('hex')}`;
    const { child, output, port } = startMain({ DATABASE_URL: `${MYSQL_TEST_URL}/${catalogDb}`, SUBJECT_HASH_SECRET: 'x'.repeat(64), BOOTSTRAP_ADMIN_KEY: admin, LOG_LEVEL: 'info', DATA_DIR: '/tmp/pgw-shutdown', RECEIPT_SIGNING_KEY: TEST_RECEIPT_KEY });
    const url = `http://127.0.0.1:${await port}/graphql`;
    const gql = async (query: string, variables?: unknown) =>
      (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ query, variables }) })).json()) as { data: any; errors?: unknown[] };
    const company = (await gql('mutation{ createCompany(name:"Drain"){ id } }')).data.createCompany.id;
    const store = (await gql('mutation($c:ID!){ createStore(companyId:$c, name:"S", settings:{collectEmails:true}){ id } }', { c: company })).data.createStore.id;
    await gql('mutation($s:ID!){ upsertCustomers(storeId:$s, customers:[{id:"d1", email:"d1@example.com"}]){ accepted } }', { s: store });
    // Make the forget take a while, from outside the gateway.
    await asMysqlAdmin(async (c) => {
      const [rows] = await c.query(`SELECT databaseName FROM \`${catalogDb}\`.stores WHERE id = ?`, [store]);
      const db = (rows as { databaseName: string }[])[0].databaseName;
      await c.query(`CREATE TRIGGER \`${db}\`.slow BEFORE DELETE ON \`${db}\`.customers FOR EACH ROW BEGIN DO SLEEP(1.5); END`);
    });

    const forget = gql('mutation($s:ID!){ forgetCustomer(idOrEmail:"d1@example.com", storeId:$s){ requests { status customersDeleted } } }', { s: store });
    await new Promise((r) => setTimeout(r, 400));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const refused = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(() => 'answered', () => 'refused');
    expect(refused).toBe('refused');
    const r = await forget;
    expect(r.data.forgetCustomer.requests).toEqual([{ status: 'COMPLETED', customersDeleted: 1 }]);
    expect(await exitOf(child)).toBe(0);
    expect(output()).toMatch(/draining requests in flight/);
    expect(output()).toMatch(/"msg":"stopped"/);
  }, 60_000);
});

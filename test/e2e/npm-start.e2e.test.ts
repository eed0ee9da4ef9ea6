import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { loadConfig } from '../../src/config';
import { dropDatabases, ENGINES, MYSQL_TEST_URL, TEST_RECEIPT_KEY } from '../support/gateway';
import { listeningPort } from '../support/process';

const ROOT = join(__dirname, '..', '..');

/** Every process below `pid` (npm → the gateway, or npm → sh → the gateway). */
function descendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const out: number[] = [];
  const walk = (p: number) => rows.filter(([, ppid]) => ppid === p).forEach(([c]) => (out.push(c), walk(c)));
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * README's production command, exactly: `npm start` in the project folder. (It compiles first
 * when a source changed since the last build, hence the generous timeout.)
 */
describe.each(ENGINES)('SIGTERM to `npm start` [%s]', (engine) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pgw-npm-start-'));
  const catalogDb = `pgwt_${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(32).toString('hex');
  const env: Record<string, string> =
    engine === 'mysql' ? { DATABASE_URL: `${MYSQL_TEST_URL}/${catalogDb}`, SUBJECT_HASH_SECRET: secret, RECEIPT_SIGNING_KEY: TEST_RECEIPT_KEY } : {};
  const spawned: number[] = [];
  afterAll(async () => {
    for (const pid of spawned) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (engine === 'mysql') await dropDatabases(catalogDb, loadConfig({ ...env, DATA_DIR: dataDir }));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('drains the request in flight, stops the gateway process itself, and exits 0', async () => {
    const admin = `admin-${randomBytes(12).toString('hex')}`;
    const npm: ChildProcess = spawn('npm', ['start'], {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: '0', METRICS_PORT: '0', DATA_DIR: dataDir, SEED_DEMO: '0', BOOTSTRAP_ADMIN_KEY: admin, LOG_LEVEL: 'info', RETENTION_INTERVAL: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    spawned.push(npm.pid!);
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    const announced = listeningPort(npm, 'npm start');
    const port = await announced.port;
    const gatewayPids = descendants(npm.pid!);
    spawned.push(...gatewayPids);
    const url = `http://127.0.0.1:${port}/graphql`;
    const gql = async (query: string, variables?: unknown) =>
      (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ query, variables }) })).json()) as {
        data: any;
        errors?: unknown[];
      };
    const company = (await gql('mutation{ createCompany(name:"Npm"){ id } }')).data.createCompany.id;
    const store = (await gql('mutation($c:ID!){ createStore(companyId:$c, name:"S"){ id } }', { c: company })).data.createStore.id;

    // A request in flight at SIGTERM: its body is half sent (engine-independent, and it does not
    // block the gateway's event loop the way a held SQLite lock would).
    const body = JSON.stringify({ query: 'mutation($s:ID!){ upsertCustomers(storeId:$s, customers:[{id:"n1"}]){ accepted } }', variables: { s: store } });
    const req = request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, 'content-length': Buffer.byteLength(body) } });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
    });
    req.write(body.slice(0, 40));
    await new Promise((r) => setTimeout(r, 200));
    npm.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    expect(announced.output()).toMatch(/draining requests in flight/);
    expect(gatewayPids.some(alive)).toBe(true); // still draining: the request has not finished
    expect(await fetch(url).then(() => 'answered', () => 'refused')).toBe('refused'); // no new connections
    req.end(body.slice(40));

    const r = await answer;
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ data: { upsertCustomers: { accepted: 1 } } });
    expect(await exited).toBe(0);
    expect(announced.output()).toMatch(/"msg":"stopped"/);
    // Nothing left behind: the gateway itself got the signal and ended.
    await new Promise((r) => setTimeout(r, 200));
    expect(gatewayPids.filter(alive)).toEqual([]);
    expect(await fetch(url).then(() => 'answered', () => 'refused')).toBe('refused');
  }, 180_000);
});

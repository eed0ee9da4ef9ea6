/**
 * Times the profile's store statements on a seeded scratch database of the MariaDB at
 * MYSQL_TEST_URL (bench/profile-seed.ts data at --scale): each loader's statement N times, its
 * server time read from the query's own wall clock. A development aid, not a bench.
 */
import { DataSource } from 'typeorm';
import { STORE_ENTITIES } from '../src/entities/store';
import { STORE_MIGRATIONS } from '../src/migrations/store';
import { parseMysqlUrl } from '../src/config';
import { customerEmail, seedStore, sizesFor } from '../bench/profile-seed';
import { linksOf } from '../src/services/loaders/person-links.loader';
import { ordersByPerson } from '../src/services/pagination/paged-by-person';
import { pagedByParent } from '../src/services/pagination/paged-by-parent';
import { CustomerEntity, VisitEventEntity } from '../src/entities/store';
import { followLinks } from '../src/services/subject/person-links';
import { createPreferencesByCustomerLoader } from '../src/services/loaders/preferences-by-customer.loader';

async function main() {
  const scale = Number(process.argv[2] ?? 0.05);
  const n = Number(process.argv[3] ?? 300);
  process.env.EXPLAIN = process.env.EXPLAIN ?? '';
  const url = process.env.MYSQL_TEST_URL ?? 'mysql://root@127.0.0.1:3306';
  const server = parseMysqlUrl(url);
  const db = 'speed_timing_scratch';
  const admin = new DataSource({ type: 'mysql', host: server.host, port: server.port, username: server.user, password: server.password });
  await admin.initialize();
  await admin.query(`DROP DATABASE IF EXISTS ${db}`);
  await admin.query(`CREATE DATABASE ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  const ds = new DataSource({ type: 'mysql', host: server.host, port: server.port, username: server.user, password: server.password, database: db, entities: STORE_ENTITIES, migrations: STORE_MIGRATIONS, migrationsTableName: 'schema_migrations', charset: 'utf8mb4_bin', timezone: 'Z', extra: { trace: false } });
  await ds.initialize();
  await ds.runMigrations();
  const sizes = sizesFor(scale);
  await seedStore(server as never, db, sizes, { batchRows: 2000, eventWorkers: 2, seed: 1 });
  const em = ds.manager;
  const time = async (name: string, f: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < 20; i++) await f(i);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await f(i);
    console.log(`${name.padEnd(28)} ${((performance.now() - t0) / n).toFixed(3)} ms`);
  };
  const email = (i: number) => customerEmail((i * 7919) % sizes.customers);
  const linksFor = async (i: number) => (await linksOf(em, { by: 'email', email: email(i) }));
  if (process.env.ALL) {
    // Every customer's profile statements once: any that throws is reported.
    for (let i = 0; i < sizes.customers; i++) {
      try {
        const { customer, links } = await linksOf(em, { by: 'email', email: customerEmail(i) }, true);
        if (!customer) { console.log('no customer', i); continue; }
        const l = links.get(customer.id)!;
        await ordersByPerson(em, [[customer.id, l.identifiers]], { first: 10, after: null }, { withLines: true });
        await pagedByParent(em, VisitEventEntity, l.visitors.map((v) => v.id), { first: 10, after: null }, { parentColumn: 'visitorId', timeColumn: 'occurredAt', numericId: true });
      } catch (e) {
        console.log('customer', i, String(e).slice(0, 300));
      }
    }
  }
  await time('links (customer + links)', linksFor);
  // As before (for comparison): the customer, then followLinks' two statements.
  await time('links, as before (3 stmts)', async (i) => {
    const c = await em.findOne(CustomerEntity, { where: { email: email(i) }, order: { updatedAt: 'DESC', id: 'ASC' } });
    if (c) await followLinks(em, [{ customerIds: [c.id], emails: c.email ? [c.email] : [], visitorIds: [] }], { tables: ['order', 'visitor'], maxRounds: 1, select: { order: ['id'] } });
  });
  await time('customer alone', (i) => em.findOne(CustomerEntity, { where: { email: email(i) }, order: { updatedAt: 'DESC', id: 'ASC' } }));
  const cache = new Map<number, Awaited<ReturnType<typeof linksFor>>>();
  for (let i = 0; i < 50; i++) cache.set(i, await linksFor(i));
  const pick = (i: number) => cache.get(i % 50)!;
  await time('orders+lines+count', async (i) => {
    const { customer, links } = pick(i);
    if (customer) await ordersByPerson(em, [[customer.id, links.get(customer.id)!.identifiers]], { first: 10, after: null }, { withLines: true });
  });
  await time('orders only', async (i) => {
    const { customer, links } = pick(i);
    if (customer) await ordersByPerson(em, [[customer.id, links.get(customer.id)!.identifiers]], { first: 10, after: null }, {});
  });
  await time('log', async (i) => {
    const { customer, links } = pick(i);
    if (customer) await pagedByParent(em, VisitEventEntity, links.get(customer.id)!.visitors.map((v) => v.id), { first: 10, after: null }, { parentColumn: 'visitorId', timeColumn: 'occurredAt', numericId: true });
  });
  await time('preferences', async (i) => {
    const { customer } = pick(i);
    if (customer) await createPreferencesByCustomerLoader(async () => em).load(customer.id);
  });
  await time('SELECT 1', () => em.query('SELECT 1'));
  if (process.env.EXPLAIN) {
    // The statements as sent, with their plans.
    const sent: [string, unknown[]][] = [];
    const q = em.query.bind(em);
    (em as { query: unknown }).query = (sql: string, params: unknown[]) => (sent.push([sql, params]), q(sql, params));
    const { customer, links } = await linksOf(em, { by: 'email', email: email(3) });
    await ordersByPerson(em, [[customer!.id, links.get(customer!.id)!.identifiers]], { first: 10, after: null }, { withLines: true });
    await pagedByParent(em, VisitEventEntity, links.get(customer!.id)!.visitors.map((v) => v.id), { first: 10, after: null }, { parentColumn: 'visitorId', timeColumn: 'occurredAt', numericId: true });
    for (const [sql, params] of sent) {
      console.log(sql.slice(0, 300));
      console.table((await q(`EXPLAIN ${sql}`, params)).map((r: Record<string, unknown>) => ({ id: r.id, t: r.select_type, table: r.table, type: r.type, key: r.key, rows: r.rows, extra: r.Extra })));
    }
  }
  await ds.destroy();
  await admin.query(`DROP DATABASE ${db}`);
  await admin.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

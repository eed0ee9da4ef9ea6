import { randomUUID } from 'node:crypto';
import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, UPSERT_CUSTOMERS } from '../support/fixtures';
import { ForgetRequestEntity, LeaseEntity } from '../../src/entities/catalog';
import { LeaseService } from '../../src/services/locks/lease.service';
import { forgetLeaseName } from '../../src/services/privacy/forget.service';
import { recoverForgets, RECOVERY_LEASE } from '../../src/services/privacy/forget-recovery';
import { ConfigError, loadConfig } from '../../src/config';
import { catalogOf } from '../support/internals';
import { sleep } from '../support/wait';

describe('lease and schedule configuration', () => {
  it.each([
    [{ LEASE_TTL: '500ms' }, /LEASE_TTL/],
    [{ LEASE_TTL: 'forever' }, /LEASE_TTL/],
    [{ FORGET_RECOVERY_INTERVAL: 'soon' }, /FORGET_RECOVERY_INTERVAL/],
    [{ RETENTION_START_DELAY: '-1m' }, /RETENTION_START_DELAY/],
  ])('refuses %j naming the variable', (env, name) => {
    expect(() => loadConfig({ DATA_DIR: '/tmp/pgw-config-test', ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: '/tmp/pgw-config-test', ...env })).toThrow(name);
  });

  it('defaults: recovery every minute, leases of 30 s, the first purge a minute after start', () => {
    expect(loadConfig({ DATA_DIR: '/tmp/pgw-config-test' })).toMatchObject({ forgetRecoveryIntervalMs: 60_000, leaseTtlMs: 30_000, retentionStartDelayMs: 60_000 });
  });
});

describe.each(ENGINES)('leases [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Leased');
  });
  afterAll(() => t.close());
  const leases = (ttlMs: number) => new LeaseService(t.gateway.services.tenancy, ttlMs);

  it('goes to exactly one of many concurrent takers, and is free again once released', async () => {
    const name = `race-${randomUUID()}`;
    const got = await Promise.all(Array.from({ length: 8 }, () => leases(10_000).tryAcquire(name)));
    expect(got.filter(Boolean)).toHaveLength(1);
    expect(await leases(10_000).tryAcquire(name)).toBeNull();
    await got.find(Boolean)!.release();
    const again = await leases(10_000).tryAcquire(name);
    expect(again).not.toBeNull();
    await again!.release();
  });

  it('is renewed while held, and taken over only after its holder stops renewing', async () => {
    const name = `renew-${randomUUID()}`;
    const held = await leases(1000).tryAcquire(name);
    await sleep(1800); // longer than the time to live: only renewals keep it
    expect(await leases(1000).tryAcquire(name)).toBeNull();
    expect(held!.lost).toBe(false);
    // A holder that dies stops renewing: simulated by a row that nobody renews.
    const orphan = `orphan-${randomUUID()}`;
    await catalogOf(t.gateway.services).getRepository(LeaseEntity).insert({ name: orphan, holder: randomUUID(), expiresAt: new Date(Date.now() + 300) });
    expect(await leases(1000).tryAcquire(orphan)).toBeNull();
    await sleep(400);
    const taken = await leases(1000).tryAcquire(orphan);
    expect(taken).not.toBeNull();
    await taken!.release();
    await held!.release();
  });

  it('tells its holder when another took it over', async () => {
    const name = `lost-${randomUUID()}`;
    const held = await leases(1200).tryAcquire(name);
    // Another holder's row replaces ours (as after an expiry we failed to notice).
    await catalogOf(t.gateway.services).getRepository(LeaseEntity).update({ name }, { holder: randomUUID() });
    await sleep(700);
    expect(held!.lost).toBe(true);
  });

  it('recovery leaves a PENDING forget alone while its process holds the request lease, and finishes it once the lease is free', async () => {
    const s = a.storeIds[0];
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'lease-cust', email: 'lease.person@example.dk' }] }));
    const at = new Date();
    const id = randomUUID();
    await catalogOf(t.gateway.services).getRepository(ForgetRequestEntity).insert({
      id, storeId: s, companyId: a.companyId, subjectHash: t.gateway.services.hasher.hash(s, 'customer', 'lease-cust'), status: 'PENDING',
      requestedByKeyId: 'k', requestedAt: at, completedAt: null, backupsClearBy: at, customersDeleted: 0, ordersAnonymized: 0, visitorsDeleted: 0, eventsDeleted: 0, alreadyForgotten: false, failure: null,
    });
    const running = await leases(10_000).tryAcquire(forgetLeaseName(id)); // a live forget in another instance
    expect(await recoverForgets(t.gateway.services)).toEqual({ completed: 0, failed: 0, running: 1 });
    expect(ok(await t.gql(a.key, 'query{ forgetRequests { edges { node { status } } } }')).forgetRequests.edges).toEqual([{ node: { status: 'PENDING' } }]);
    // One instance at a time: while another holds the recovery lease, a pass does nothing.
    const other = await leases(10_000).tryAcquire(RECOVERY_LEASE);
    await running!.release();
    expect(await recoverForgets(t.gateway.services)).toBeNull();
    await other!.release();
    expect(await recoverForgets(t.gateway.services)).toEqual({ completed: 1, failed: 0, running: 0 });
    expect(ok(await t.gql(a.key, 'query{ forgetRequests { edges { node { status customersDeleted failure } } } }')).forgetRequests.edges).toEqual([{ node: { status: 'COMPLETED', customersDeleted: 1, failure: null } }]);
    expect(ok(await t.gql(a.key, 'query($s:ID!){ customer(storeId:$s, idOrEmail:"lease-cust"){ id } }', { s })).customer).toBeNull();
  });

  it('sweeps request leases long expired (their holder died after finishing), and only those', async () => {
    const repo = catalogOf(t.gateway.services).getRepository(LeaseEntity);
    const old = forgetLeaseName(randomUUID());
    const recent = forgetLeaseName(randomUUID());
    await repo.insert([
      { name: old, holder: randomUUID(), expiresAt: new Date(Date.now() - 2 * 3_600_000) },
      { name: recent, holder: randomUUID(), expiresAt: new Date(Date.now() - 60_000) },
      { name: 'retention-like', holder: randomUUID(), expiresAt: new Date(Date.now() - 2 * 3_600_000) },
    ]);
    expect(await recoverForgets(t.gateway.services)).toEqual({ completed: 0, failed: 0, running: 0 });
    const names = (await repo.find()).map((l) => l.name);
    expect(names).not.toContain(old);
    expect(names).toEqual(expect.arrayContaining([recent, 'retention-like']));
    await repo.delete({ name: recent });
  });

  it('holds no lease after a forget finishes', async () => {
    ok(await t.gql(a.key, 'mutation($s:ID){ forgetCustomer(idOrEmail:"nobody-here", storeId:$s){ requests { status } } }', { s: a.storeIds[0] }));
    const forgetLeases = (await catalogOf(t.gateway.services).getRepository(LeaseEntity).find()).filter((l) => l.name.startsWith('forget'));
    expect(forgetLeases).toEqual([]);
  });
});

import { randomUUID } from 'node:crypto';
import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, TRACK_EVENTS } from '../support/fixtures';
import { PurgeRunEntity } from '../../src/entities/catalog';
import { monthsBefore } from '../../src/services/retention/retention-rule';
import { nextPurgeDelay, startRetentionSchedule } from '../../src/services/retention/retention-schedule';
import { catalogOf } from '../support/internals';
import { sleep } from '../support/wait';

const HOUR = 3_600_000;
const RUNS = 'query{ purgeRuns(first: 20){ totalCount edges { node { triggeredBy status eventsDeleted startedAt } } } }';

describe('nextPurgeDelay', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  it.each([
    ['none recorded: the start delay', null, 60_000],
    ['recorded 2 h ago, interval 24 h: 22 h', new Date(now.getTime() - 2 * HOUR), 22 * HOUR],
    ['overdue by a day: the start delay', new Date(now.getTime() - 48 * HOUR), 60_000],
    ['due in 30 s: still the start delay at least', new Date(now.getTime() - 24 * HOUR + 30_000), 60_000],
  ])('%s', (_label, last, expected) => {
    expect(nextPurgeDelay(last, now, 24 * HOUR, 60_000)).toBe(expected);
  });
});

/**
 * The schedule as main.ts starts it at every (re)start, reading the last scheduled run from the
 * catalog: a restart does not reset the clock, and a gateway restarted daily still purges.
 */
describe.each(ENGINES)('scheduled purge across restarts [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  const scheduled = async () => ok(await t.gql(a.key, RUNS)).purgeRuns.edges.filter((e: { node: { triggeredBy: string } }) => e.node.triggeredBy === 'schedule');
  /** Starts the schedule as a fresh process would, lets it run for `ms`, and stops it. */
  const startAndWait = async (ms: number) => {
    const stop = startRetentionSchedule(t.gateway.services);
    await sleep(ms);
    stop();
  };
  const oldEvent = (url: string) => ({ visitorId: `sched-${url}`, type: 'PAGE_VIEW', url: `https://s/${url}`, occurredAt: new Date(monthsBefore(new Date(), 2).getTime() - 3 * 86_400_000).toISOString(), durationSeconds: 30 });

  beforeAll(async () => {
    t = await startTestGateway(engine, { RETENTION_INTERVAL: '1h', RETENTION_START_DELAY: '200ms' });
    a = await createTenant(t, 'Schedule');
    ok(await t.gql(a.key, TRACK_EVENTS, { s: a.storeIds[0], e: [oldEvent('a')] }));
  });
  afterAll(() => t.close());

  it('purges shortly after start when no scheduled run is recorded', async () => {
    await startAndWait(2500);
    expect((await scheduled()).map((e: { node: object }) => e.node)).toEqual([{ triggeredBy: 'schedule', status: 'COMPLETED', eventsDeleted: 1, startedAt: expect.any(String) }]);
  });

  it('does not purge after a restart when the last recorded run is fresh (within RETENTION_INTERVAL)', async () => {
    ok(await t.gql(a.key, TRACK_EVENTS, { s: a.storeIds[0], e: [oldEvent('b')] }));
    await startAndWait(2000);
    expect(await scheduled()).toHaveLength(1);
  });

  it('purges shortly after a restart when the last recorded run is older than RETENTION_INTERVAL', async () => {
    // The recorded run as a gateway that stopped two hours ago left it.
    const runs = catalogOf(t.gateway.services).getRepository(PurgeRunEntity);
    await runs.update({ triggeredBy: 'schedule' }, { startedAt: new Date(Date.now() - 2 * HOUR), finishedAt: new Date(Date.now() - 2 * HOUR) });
    await startAndWait(2500);
    const after = await scheduled();
    expect(after).toHaveLength(2);
    expect(after[0].node).toEqual({ triggeredBy: 'schedule', status: 'COMPLETED', eventsDeleted: 1, startedAt: expect.any(String) });
  });

  it('counts a run recorded by another instance the same way', async () => {
    // Another instance purged 10 minutes ago (its row, not this process's memory).
    const runs = catalogOf(t.gateway.services).getRepository(PurgeRunEntity);
    await runs.update({ triggeredBy: 'schedule' }, { startedAt: new Date(Date.now() - 2 * HOUR) });
    await runs.insert({ id: randomUUID(), storeId: a.storeIds[0], companyId: a.companyId, status: 'COMPLETED', triggeredBy: 'schedule', asOf: new Date(Date.now() - 10 * 60_000), startedAt: new Date(Date.now() - 10 * 60_000), finishedAt: new Date(), visitorsDeleted: 0, eventsDeleted: 0 });
    ok(await t.gql(a.key, TRACK_EVENTS, { s: a.storeIds[0], e: [oldEvent('c')] }));
    await startAndWait(2000);
    expect(await scheduled()).toHaveLength(3);
  });
});

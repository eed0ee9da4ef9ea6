import Redis from 'ioredis';
import { codes, ok, startTestGateway, TestGateway } from '../support/gateway';
import { anotherInstance, Instance } from '../support/instances';

const RUN = process.env.PGW_TEST_ENGINES?.includes('mysql');
const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const VIEWER = '{ viewer { scopes } }';

async function redisAnswers(): Promise<boolean> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

(RUN ? describe : describe.skip)('several gateway instances on the same databases', () => {
  let redis = false;
  let t: TestGateway;
  let b: Instance;

  beforeAll(async () => {
    redis = await redisAnswers();
    if (!redis) {
      process.stdout.write(`\n*** shared rate-limit test SKIPPED: no Redis at ${REDIS_URL} ***\n`);
      return;
    }
    t = await startTestGateway('mysql', { REDIS_URL, RATE_LIMIT_PER_MINUTE: '6' });
    b = await anotherInstance(t);
  }, 60_000);
  afterAll(async () => {
    await b?.close().catch(() => undefined);
    await t?.close();
  });

  it('enforces one per-key budget across instances when REDIS_URL is set', async () => {
    if (!redis) return;
    const answers = [];
    // Alternating between the two instances, as a round-robin load balancer would.
    for (let i = 0; i < 8; i++) answers.push(await (i % 2 ? b : t).gql(t.adminKey, VIEWER));
    expect(answers.map((r) => (r.errors ? codes(r)[0] : 'OK'))).toEqual(['OK', 'OK', 'OK', 'OK', 'OK', 'OK', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(answers[7].status).toBe(429);
  });

  it('keeps separate in-memory budgets without REDIS_URL (each instance its own)', async () => {
    if (!redis) return;
    const c = await anotherInstance(t, { redisUrl: undefined });
    const d = await anotherInstance(t, { redisUrl: undefined });
    try {
      for (let i = 0; i < 6; i++) ok(await c.gql(t.adminKey, VIEWER));
      expect(codes(await c.gql(t.adminKey, VIEWER))).toEqual(['RATE_LIMITED']);
      ok(await d.gql(t.adminKey, VIEWER)); // d never saw c's requests: the reason Redis is needed
    } finally {
      await c.close();
      await d.close();
    }
  });
});

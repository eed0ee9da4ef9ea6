import Redis from 'ioredis';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../errors';
import type { Logger } from '../logging';

export interface RateLimits {
  perKeyPerMinute: number;
  anonymousPerMinute: number;
}

export interface SharedCounters {
  /** A connected (or connecting) ioredis client; the limiter does not own it. */
  redis: Redis;
  /** Namespaces the counters of one deployment (the instances sharing one catalog). */
  prefix: string;
}

/**
 * Requests per minute per API key, and per client address for requests without a valid key
 * (which also slows down guessing keys). With `shared` (REDIS_URL) the counters live in Redis,
 * so several gateway instances behind a load balancer enforce one budget between them; without
 * it they live in this process. While Redis does not answer, each instance falls back to its
 * own in-memory counters (rate-limiter-flexible's insurance limiter) rather than failing requests.
 */
export class RateLimiter {
  private readonly perKey: RateLimiterAbstract;
  private readonly anonymous: RateLimiterAbstract;

  constructor(limits: RateLimits, shared?: SharedCounters) {
    const make = (keyPrefix: string, points: number): RateLimiterAbstract => {
      const memory = new RateLimiterMemory({ keyPrefix, points, duration: 60 });
      if (!shared) return memory;
      return new RateLimiterRedis({
        storeClient: shared.redis,
        keyPrefix: `${shared.prefix}:rl:${keyPrefix}`,
        points,
        duration: 60,
        rejectIfRedisNotReady: true,
        insuranceLimiter: memory,
      });
    };
    this.perKey = make('key', limits.perKeyPerMinute);
    this.anonymous = make('addr', limits.anonymousPerMinute);
  }

  /** Throws RATE_LIMITED (with the seconds to wait) when the budget is spent. */
  async consume(kind: 'key' | 'anonymous', id: string): Promise<void> {
    try {
      await (kind === 'key' ? this.perKey : this.anonymous).consume(id);
    } catch (e) {
      if (e instanceof RateLimiterRes) throw new RateLimitedError(Math.max(1, Math.ceil(e.msBeforeNext / 1000)));
      throw e;
    }
  }
}

/**
 * The Redis client for shared counters. Commands fail fast while it is disconnected (no offline
 * queue), so a Redis outage costs a request nothing but the fallback to local counters.
 */
export function createRedisClient(url: string, log: Logger): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 1000 });
  let reported = false;
  redis.on('error', (err: Error) => {
    if (!reported) log.warn({ err: err.message }, 'Redis (shared rate-limit counters) unavailable; using per-instance counters until it answers');
    reported = true;
  });
  redis.on('ready', () => {
    reported = false;
  });
  return redis;
}

/** Waits (briefly) for the client's first connection, so the first requests already share counters. */
export async function redisReady(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    redis.on('ready', onReady);
  });
}

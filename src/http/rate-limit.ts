import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../errors';

export interface RateLimits {
  perKeyPerMinute: number;
  anonymousPerMinute: number;
}

/**
 * Requests per minute per API key, and per client address for requests without a valid key
 * (which also slows down guessing keys). Counters live in this process; see the README for
 * running several instances.
 */
export class RateLimiter {
  private readonly perKey: RateLimiterAbstract;
  private readonly anonymous: RateLimiterAbstract;

  constructor(limits: RateLimits) {
    this.perKey = new RateLimiterMemory({ keyPrefix: 'key', points: limits.perKeyPerMinute, duration: 60 });
    this.anonymous = new RateLimiterMemory({ keyPrefix: 'addr', points: limits.anonymousPerMinute, duration: 60 });
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

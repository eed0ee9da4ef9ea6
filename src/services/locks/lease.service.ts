import { randomUUID } from 'node:crypto';
import { type EntityManager, QueryFailedError } from 'typeorm';
import type { Tenancy } from '../../tenancy/tenancy';
import { LeaseEntity } from '../../entities/catalog';
import type { Logger } from '../../logging';

/** A lease this process holds; renewed in the background until released or lost. */
export interface Lease {
  readonly name: string;
  /** True once a renewal found the lease taken over or expired: stop the work at the next step. */
  readonly lost: boolean;
  release(): Promise<void>;
}

/**
 * Named, expiring leases in the catalog (`leases`): one-at-a-time work across gateway instances
 * on any engine and on a Galera cluster (where GET_LOCK is per node). Taking one is a single
 * conditional statement whose affected-row count says who won: an UPDATE of an expired row, or
 * an INSERT that the primary key refuses when someone else got there first. The holder renews
 * it every third of its time to live; a holder that dies (SIGKILL, lost host) simply stops
 * renewing, and the lease is free again when it expires.
 *
 * Times are the gateway's clock: instances are expected to run NTP; a skew well below the time
 * to live (30 s by default) does no harm.
 */
export class LeaseService {
  /** Leases are taken before any caller exists (start-up recovery, schedules): the system catalog. */
  private readonly catalog: EntityManager;

  constructor(
    tenancy: Pick<Tenancy, 'systemCatalog'>,
    private readonly ttlMs: number,
    private readonly log?: Logger,
  ) {
    this.catalog = tenancy.systemCatalog();
  }

  /**
   * The lease, or null when another live holder has it. `fresh`: the name was never used before
   * (it carries a new UUID), so one INSERT takes it without first looking for an expired row.
   */
  async tryAcquire(name: string, opts: { fresh?: boolean } = {}): Promise<Lease | null> {
    const holder = randomUUID();
    const repo = this.catalog.getRepository(LeaseEntity);
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    try {
      const taken = opts.fresh ? null : await repo.createQueryBuilder().update().set({ holder, expiresAt }).where('name = :name AND expiresAt < :now', { name, now }).execute();
      if (taken?.affected !== 1) {
        // Held and unexpired: no INSERT bound to fail (a failed statement is logged as a warning).
        if (!opts.fresh && (await repo.existsBy({ name }))) return null;
        await repo.insert({ name, holder, expiresAt });
      }
    } catch (err) {
      if (isLostRace(err)) return null;
      throw err;
    }
    return this.held(name, holder);
  }

  /**
   * Runs `work` holding the lease `name`; returns false without running it when someone else
   * holds the lease. `work` may watch `lease.lost` to stop early.
   */
  async withLease(name: string, work: (lease: Lease) => Promise<void>, opts: { fresh?: boolean } = {}): Promise<boolean> {
    const lease = await this.tryAcquire(name, opts);
    if (!lease) return false;
    try {
      await work(lease);
      return true;
    } finally {
      await lease.release();
    }
  }

  /** Whether someone holds `name` now (an unexpired row). */
  async isHeld(name: string): Promise<boolean> {
    return (await this.catalog.getRepository(LeaseEntity).createQueryBuilder('l').where('l.name = :name AND l.expiresAt >= :now', { name, now: new Date() }).getCount()) > 0;
  }

  /**
   * Deletes leases under `prefix` that expired more than `graceMs` ago: what holders that died
   * after finishing their work (but before releasing) leave behind. Returns how many.
   */
  async sweep(prefix: string, graceMs: number): Promise<number> {
    const r = await this.catalog
      .getRepository(LeaseEntity)
      .createQueryBuilder()
      .delete()
      .where('name LIKE :prefix AND expiresAt < :before', { prefix: `${prefix}%`, before: new Date(Date.now() - graceMs) })
      .execute();
    return r.affected ?? 0;
  }

  private held(name: string, holder: string): Lease {
    const repo = this.catalog.getRepository(LeaseEntity);
    let lost = false;
    let validUntil = Date.now() + this.ttlMs;
    const renew = async () => {
      try {
        const expiresAt = new Date(Date.now() + this.ttlMs);
        const r = await repo.createQueryBuilder().update().set({ expiresAt }).where('name = :name AND holder = :holder', { name, holder }).execute();
        if (r.affected === 1) validUntil = expiresAt.getTime();
        else lost = true;
      } catch (err) {
        // The catalog is unreachable: the lease holds until it expires, then counts as lost.
        if (Date.now() >= validUntil) lost = true;
        this.log?.warn({ lease: name, err: String(err) }, 'lease renewal failed');
      }
      if (lost) {
        clearInterval(timer);
        this.log?.warn({ lease: name }, 'lease lost');
      }
    };
    const timer = setInterval(() => void renew(), Math.max(50, Math.floor(this.ttlMs / 3)));
    timer.unref();
    return {
      name,
      get lost() {
        return lost || Date.now() >= validUntil;
      },
      release: async () => {
        clearInterval(timer);
        lost = true;
        await repo.delete({ name, holder });
      },
    };
  }
}

/**
 * Someone else took it first: the primary key refused our row (MySQL/MariaDB ER_DUP_ENTRY,
 * SQLite's constraint), or Galera's certification rolled our write back (ER_LOCK_DEADLOCK).
 */
function isLostRace(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const driver = err.driverError as { code?: string; errno?: number } | undefined;
  return driver?.errno === 1062 || driver?.errno === 1213 || /^SQLITE_CONSTRAINT/.test(driver?.code ?? '');
}

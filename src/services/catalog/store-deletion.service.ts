import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { IsNull } from 'typeorm';
import type { Config } from '../../config';
import { ApiKeyEntity, StoreDeletionEntity, StoreEntity } from '../../entities/catalog';
import { BadUserInputError, NotFoundError } from '../../errors';
import type { Logger } from '../../logging';
import { scrubPersonal } from '../../logging';
import { assertSafeIdentifier, sqliteStoreFile } from '../../tenancy/data-source-factory';
import { dropStoreUser } from '../../tenancy/store-credentials';
import { DEFAULT_SERVER, withAdmin } from '../../tenancy/store-servers';
import type { Caller, Tenancy, TenancyContext } from '../../tenancy/tenancy';
import type { AuditContext, AuditService } from '../audit/audit.service';
import { operatorPrincipal } from '../../auth/principal';
import type { LeaseService } from '../locks/lease.service';
import { deletionReceiptPayload, type ReceiptService } from '../receipts/receipt.service';
import type { WebhookService } from '../webhooks/webhook.service';
import { startPeriodicPass } from '../locks/periodic-pass';

/** What asked for a deletion (recorded on it). */
export type DeletionOrigin = 'deleteStore' | 'shop/redact' | 'cli';

export interface DeletedStore {
  storeId: string;
  deletedAt: Date;
  receipt: string | null;
  deletion: StoreDeletionEntity;
}

/** The lease a running deletion holds (renewed): recovery takes over only when its holder died. */
export const deletionLeaseName = (storeId: string) => `store-deletion:${storeId}`;
/** One instance at a time looks for interrupted deletions. */
export const DELETION_RECOVERY_LEASE = 'store-deletion-recovery';
/** Recovery reaches the stores it finishes as the platform; its audit entries stay 'system' (no key). */
const RECOVERY: Caller = { principal: operatorPrincipal('store-deletion-recovery') };

/**
 * Store offboarding (GDPR Art. 28(3)(g)): deletes a store with everything it holds, and keeps
 * the proof. In order, each step safe to run again:
 *
 * 1. one catalog transaction marks the store deleted (`deletedAt`, state DELETING) and records
 *    the deletion: from this moment the store is NOT_FOUND everywhere and in no list;
 * 2. the rows held are counted onto the record (while the database still exists);
 * 3. its pool is closed, its database dropped with its MySQL user, or its SQLite file (and
 *    -wal/-shm) overwritten with zeros and unlinked;
 * 4. keys narrowed to that store alone are revoked; keys narrowed to it and others lose it;
 * 5. the record is COMPLETED (its receipt can be issued) and the store row DELETED.
 *
 * The ledger, suppression hashes and audit entries are kept. A deletion interrupted half-way
 * (SIGKILL, lost host) is finished by `recover` at the next start: the running one holds a
 * lease, so recovery never races a live deletion.
 */
export class StoreDeletionService {
  /**
   * Called once a deletion is COMPLETED, after its transaction committed. Its failure is
   * logged, never undoes the deletion.
   */
  onDeleted?: (deletion: StoreDeletionEntity) => Promise<void>;

  constructor(
    private readonly config: Config,
    private readonly tenancy: Tenancy,
    private readonly audit: AuditService,
    private readonly leases: LeaseService,
    private readonly receipts: ReceiptService,
    private readonly log: Logger,
    /** Webhooks out: the `store.deleted` event. */
    private readonly webhooks?: Pick<WebhookService, 'enqueue' | 'kick'>,
  ) {}

  /** Deletes a store the caller reaches; `confirmName` must be the store's name, exactly. */
  async delete(ctx: TenancyContext & AuditContext, storeId: string, confirmName: string, origin: DeletionOrigin = 'deleteStore'): Promise<DeletedStore> {
    const store = await this.tenancy.store(ctx, storeId);
    if (confirmName !== store.name) throw new BadUserInputError('`confirmName` must equal the store\'s name exactly (case and spaces included)');
    return this.deleteStore(ctx, store, origin);
  }

  /** Deletes a store already resolved (Shopify's shop/redact finds it by its domain). */
  async deleteStore(ctx: TenancyContext & AuditContext, store: StoreEntity, origin: DeletionOrigin): Promise<DeletedStore> {
    const deletedAt = new Date();
    const deletion: StoreDeletionEntity = Object.assign(new StoreDeletionEntity(), {
      id: randomUUID(),
      storeId: store.id,
      companyId: store.companyId,
      status: 'PENDING',
      requestedByKeyId: ctx.principal?.apiKeyId ?? 'system',
      origin,
      requestedAt: deletedAt,
      completedAt: null,
      customersDeleted: 0,
      ordersDeleted: 0,
      visitorsDeleted: 0,
      eventsDeleted: 0,
      keysRevoked: 0,
    });
    let done: StoreDeletionEntity | null = null;
    const took = await this.leases.withLease(deletionLeaseName(store.id), async () => {
      await this.tenancy.catalogManager(ctx).transaction(async (em) => {
        // Conditional: of two deletions racing, one marks the store; the other finds it gone.
        const marked = await em.getRepository(StoreEntity).update({ id: store.id, deletedAt: IsNull() }, { deletedAt, deletionState: 'DELETING', shopifyDomain: null });
        if (marked.affected !== 1) throw new NotFoundError('Store');
        await em.getRepository(StoreDeletionEntity).insert(deletion);
      });
      ctx.loaders.clearStore(store.id);
      done = await this.finish(ctx, deletion, store);
    });
    if (!took || !done) throw new NotFoundError('Store'); // another deletion of it is running
    await this.audit.record(ctx, [{ operation: `deleteStore${origin === 'deleteStore' ? '' : `.${origin === 'cli' ? 'cli' : 'shopify'}`}`, storeId: store.id, companyId: store.companyId, records: droppedRows(done) }]);
    return { storeId: store.id, deletedAt, receipt: await this.receipts.forDeletion(done), deletion: done };
  }

  /**
   * The record of a deleted store's deletion, with its receipt once COMPLETED: for a key of the
   * company that owned it (company-wide, or narrowed to that store). Anything else is NOT_FOUND.
   */
  async find(ctx: TenancyContext, storeId: string): Promise<{ deletion: StoreDeletionEntity; receipt: string | null }> {
    const deletion = await this.record(ctx, storeId);
    if (!deletion || !this.tenancy.reaches(ctx, { id: storeId, companyId: deletion.companyId })) throw new NotFoundError('Store deletion');
    return { deletion, receipt: await this.receipts.forDeletion(deletion) };
  }

  /** The record of a store's deletion (for its receipt), whatever its state; the caller checks reach. */
  private async record(ctx: Caller, storeId: string): Promise<StoreDeletionEntity | null> {
    return this.tenancy.catalogManager(ctx).getRepository(StoreDeletionEntity).findOneBy({ storeId });
  }

  /** Steps 2-5 (see the class comment); each may run again after a crash. */
  private async finish(ctx: Caller, deletion: StoreDeletionEntity, store: StoreEntity): Promise<StoreDeletionEntity> {
    const repo = this.tenancy.catalogManager(ctx).getRepository(StoreDeletionEntity);
    const counts = await this.countRows(ctx, store);
    if (counts) {
      Object.assign(deletion, counts);
      await repo.update({ id: deletion.id }, counts);
    }
    await this.tenancy.closeStore(ctx, store);
    await this.dropDatabase(ctx, store);
    deletion.keysRevoked = await this.revokeKeys(ctx, store);
    deletion.status = 'COMPLETED';
    deletion.completedAt = new Date();
    const receipt = await this.receipts.forDeletion(deletion);
    // The `store.deleted` event is written to the webhook outbox in the same transaction that
    // completes the record: it exists exactly when the deletion does (the store row, with its
    // webhook target, stays in the catalog marked DELETED).
    const enqueued = await this.tenancy.catalogTransaction(ctx, async (em) => {
      await em.getRepository(StoreDeletionEntity).update({ id: deletion.id }, { status: 'COMPLETED', completedAt: deletion.completedAt, keysRevoked: deletion.keysRevoked });
      await em.getRepository(StoreEntity).update({ id: store.id }, { deletionState: 'DELETED' });
      return this.webhooks?.enqueue(em, store.id, 'store.deleted', { ...deletionReceiptPayload(deletion), receipt });
    });
    if (enqueued) this.webhooks?.kick();
    this.log.info({ storeId: store.id, deletionId: deletion.id, rows: droppedRows(deletion), keysRevoked: deletion.keysRevoked }, 'store deleted');
    if (this.onDeleted) {
      try {
        await this.onDeleted(deletion);
      } catch (err) {
        this.log.error({ storeId: store.id, err: scrubPersonal(String(err)) }, 'store.deleted hook failed');
      }
    }
    return deletion;
  }

  /** Rows held, or null when the database is gone already (a deletion finished after a crash keeps its counts). */
  private async countRows(ctx: Caller, store: StoreEntity): Promise<Pick<StoreDeletionEntity, 'customersDeleted' | 'ordersDeleted' | 'visitorsDeleted' | 'eventsDeleted'> | null> {
    if (!(await this.databaseExists(ctx, store))) return null;
    const em = await this.tenancy.openStore(ctx, store);
    const n = async (table: string) => Number((await em.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
    return { customersDeleted: await n('customers'), ordersDeleted: await n('orders'), visitorsDeleted: await n('visitors'), eventsDeleted: await n('visit_events') };
  }

  private async databaseExists(ctx: Caller, store: StoreEntity): Promise<boolean> {
    if (this.config.engine === 'sqlite') return existsSync(sqliteStoreFile(this.config, store.databaseName));
    const rows = await this.asAdmin(ctx, store, (q) => q('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [store.databaseName]));
    return (rows as unknown[]).length > 0;
  }

  private async dropDatabase(ctx: Caller, store: StoreEntity): Promise<void> {
    assertSafeIdentifier(store.databaseName);
    if (this.config.engine === 'mysql') {
      await this.asAdmin(ctx, store, async (q) => {
        await q(`DROP DATABASE IF EXISTS \`${store.databaseName}\``);
        // Every account of the store's user, whatever host it was created for.
        await dropStoreUser(q, store.databaseName);
      });
      return;
    }
    const file = sqliteStoreFile(this.config, store.databaseName);
    for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) shredFile(f);
  }

  private async asAdmin<T>(ctx: Caller, store: StoreEntity, work: (q: (sql: string, params?: unknown[]) => Promise<unknown>) => Promise<T>): Promise<T> {
    if (store.server === DEFAULT_SERVER) return work((sql, params) => this.tenancy.catalogManager(ctx).query(sql, params));
    return withAdmin(this.config, store.server, (c) => work(async (sql, params) => (await c.query(sql, params))[0]));
  }

  /** Revokes keys narrowed to this store alone; keys narrowed to it and others lose it. */
  private async revokeKeys(ctx: Caller, store: StoreEntity): Promise<number> {
    const repo = this.tenancy.catalogManager(ctx).getRepository(ApiKeyEntity);
    const keys = await repo.findBy({ companyId: store.companyId, revokedAt: IsNull() });
    let revoked = 0;
    for (const key of keys) {
      if (!key.storeIds?.includes(store.id)) continue;
      const rest = key.storeIds.filter((id) => id !== store.id);
      if (rest.length === 0) {
        await repo.update({ id: key.id }, { revokedAt: new Date() });
        revoked++;
      } else {
        await repo.update({ id: key.id }, { storeIds: rest });
      }
    }
    // Keys revoked by an earlier, interrupted run of this deletion count too.
    const before = await repo.createQueryBuilder('k').where('k.companyId = :c AND k.revokedAt IS NOT NULL AND k.storeIds = :only', { c: store.companyId, only: JSON.stringify([store.id]) }).getCount();
    return Math.max(revoked, before);
  }

  /**
   * Finishes deletions left DELETING by a process that died (their lease expired). Returns how
   * many were finished, or null when another instance holds the recovery lease.
   */
  async recover(): Promise<number | null> {
    let finished = 0;
    const ran = await this.leases.withLease(DELETION_RECOVERY_LEASE, async (lease) => {
      const catalog = this.tenancy.operatorCatalog(RECOVERY);
      const stores = await catalog.getRepository(StoreEntity).findBy({ deletionState: 'DELETING' });
      for (const store of stores) {
        if (lease.lost) return;
        const own = await this.leases.tryAcquire(deletionLeaseName(store.id));
        if (!own) continue; // still running in a live instance
        try {
          const deletion = await this.record(RECOVERY, store.id);
          const fresh = await catalog.getRepository(StoreEntity).findOneBy({ id: store.id });
          if (!deletion || deletion.status === 'COMPLETED' || fresh?.deletionState !== 'DELETING') continue;
          const done = await this.finish(RECOVERY, deletion, store);
          finished++;
          await this.audit.record({ principal: null }, [{ operation: 'deleteStore.recovered', storeId: store.id, companyId: store.companyId, records: droppedRows(done) }]);
        } catch (err) {
          this.log.error({ storeId: store.id, err: scrubPersonal(String(err)) }, 'store deletion recovery failed; retried at the next pass');
        } finally {
          await own.release();
        }
      }
    });
    return ran ? finished : null;
  }
}

/**
 * Recovery at start and every FORGET_RECOVERY_INTERVAL (0: never), as forget recovery does.
 * Returns a function that stops the schedule.
 */
export function startDeletionRecovery(deletions: StoreDeletionService, everyMs: number, log: Logger): () => void {
  return startPeriodicPass(
    everyMs,
    async () => {
      const n = await deletions.recover();
      if (n) log.info({ finished: n }, 'store deletion recovery pass');
    },
    (err) => log.error({ err: scrubPersonal(String(err)) }, 'store deletion recovery pass failed'),
  );
}

export const droppedRows = (d: Pick<StoreDeletionEntity, 'customersDeleted' | 'ordersDeleted' | 'visitorsDeleted' | 'eventsDeleted'>) => d.customersDeleted + d.ordersDeleted + d.visitorsDeleted + d.eventsDeleted;

/** Overwrites a file with zeros (flushed to disk), then unlinks it: the content does not linger in free blocks. */
function shredFile(file: string): void {
  if (!existsSync(file)) return;
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    const zeros = Buffer.alloc(Math.min(size, 1 << 20));
    for (let pos = 0; pos < size; pos += zeros.length) writeSync(fd, zeros, 0, Math.min(zeros.length, size - pos), pos);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  unlinkSync(file);
}

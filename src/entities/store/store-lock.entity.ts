import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Row locks that order a forget against concurrent ingestion on MySQL: ingestion holds the
 * 'subjects' row in share mode for its transaction, a forget holds it exclusively. (SQLite
 * serializes a store's transactions anyway.) On a Galera cluster row locks are local to a node,
 * so both bump `generation` instead: the write makes every two overlapping transactions on
 * different nodes conflict at certification, and one of them is retried (privacy/erase.ts).
 */
@Entity('store_locks')
export class StoreLockEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  name: string;

  /** Bumped by every transaction that takes the lock on a Galera cluster (a replicated write). */
  @Column({ type: 'bigint', default: 0 })
  generation: string;
}

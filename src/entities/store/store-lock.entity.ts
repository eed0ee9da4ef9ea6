import { Entity, PrimaryColumn } from 'typeorm';

/**
 * Row locks that order a forget against concurrent ingestion on MySQL: ingestion holds the
 * 'subjects' row in share mode for its transaction, a forget holds it exclusively. (SQLite
 * serializes a store's transactions anyway.)
 */
@Entity('store_locks')
export class StoreLockEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  name: string;
}

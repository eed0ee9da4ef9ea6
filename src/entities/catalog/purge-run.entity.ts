import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DATETIME } from '../common/columns';

export type PurgeStatus = 'RUNNING' | 'COMPLETED' | 'INTERRUPTED';

/**
 * One retention purge of one store (S8 accountability): when, by whom, how far it got, what it
 * deleted. Where an unfinished run stopped is kept in the store's own database
 * (`purge_positions`): a visitor ID is a shopper identifier and stays out of the catalog.
 */
@Entity('purge_runs')
@Index('idx_purge_runs_store_time', ['storeId', 'startedAt'])
export class PurgeRunEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36 })
  storeId: string;

  @Index('idx_purge_runs_company')
  @Column({ type: 'varchar', length: 36 })
  companyId: string;

  @Column({ type: 'varchar', length: 16 })
  status: PurgeStatus;

  /** The key that asked for it, `schedule`, or `cli`. */
  @Column({ type: 'varchar', length: 36 })
  triggeredBy: string;

  /** The moment the run measures retention from (kept when it resumes). */
  @Column(DATETIME)
  asOf: Date;

  @Column(DATETIME)
  startedAt: Date;

  @Column({ ...DATETIME, nullable: true })
  finishedAt: Date | null;

  @Column({ type: 'int', default: 0 })
  visitorsDeleted: number;

  @Column({ type: 'int', default: 0 })
  eventsDeleted: number;
}

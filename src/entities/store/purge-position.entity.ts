import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Where an unfinished retention purge of this store stopped: the last visitor ID it fully
 * processed. It lives in the store's own database, beside the visitors it names, so the catalog
 * (`purge_runs`) holds no shopper identifier; the row is deleted when the run completes.
 */
@Entity('purge_positions')
export class PurgePositionEntity {
  /** The catalog's purge run (`purge_runs.id`). */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  runId: string;

  @Column({ type: 'varchar', length: 128 })
  lastVisitorId: string;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A sub-processor of the platform, loaded from config/sub-processors.json at start. */
@Entity('sub_processors')
export class SubProcessorEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 200 })
  legalEntity: string;

  @Column({ type: 'varchar', length: 500 })
  purpose: string;

  /** ISO 3166-1 alpha-2 country of processing. */
  @Column({ type: 'varchar', length: 2 })
  country: string;

  @Column({ type: 'varchar', length: 200 })
  location: string;

  @Column({ type: 'boolean' })
  inEea: boolean;

  @Column({ type: 'varchar', length: 500, nullable: true })
  transferMechanism: string | null;

  @Column({ type: 'simple-json' })
  dataCategories: string[];

  /** Platform products that use it; ['*'] when every store does. */
  @Column({ type: 'simple-json' })
  products: string[];
}

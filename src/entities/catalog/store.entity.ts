import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DATETIME } from '../common/columns';

/** A shop, with where its database lives and what it lets the platform collect. */
@Entity('stores')
export class StoreEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('idx_stores_company')
  @Column({ type: 'varchar', length: 36 })
  companyId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** Which database server holds the store ('embedded' for SQLite, else a configured server name). */
  @Column({ type: 'varchar', length: 64 })
  server: string;

  /** The store's database (MySQL schema name) or file name (SQLite), unique per server. */
  @Column({ type: 'varchar', length: 64 })
  databaseName: string;

  /** E-mail addresses are collected only when the store explicitly enables it (seed S7). */
  @Column({ type: 'boolean', default: false })
  collectEmails: boolean;

  /** Platform products the store uses (they decide which sub-processors are in use). */
  @Column({ type: 'simple-json' })
  products: string[];

  @Column(DATETIME)
  createdAt: Date;
}

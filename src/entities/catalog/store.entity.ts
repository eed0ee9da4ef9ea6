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

  /** Tracking switches (S7): a disabled kind of event is dropped at ingestion. */
  @Column({ type: 'boolean', default: true })
  trackPageViews: boolean;

  @Column({ type: 'boolean', default: true })
  trackContentViews: boolean;

  @Column({ type: 'boolean', default: true })
  trackClicks: boolean;

  /** Whether CRM attributes (name, age, gender, city, further attributes) are kept. */
  @Column({ type: 'boolean', default: true })
  collectCrm: boolean;

  /** The store's narrowing of the 1-12 month retention of visit data (S8). */
  @Column({ type: 'int', default: 1 })
  retentionMinMonths: number;

  @Column({ type: 'int', default: 12 })
  retentionMaxMonths: number;

  /** Platform products the store uses (they decide which sub-processors are in use). */
  @Column({ type: 'simple-json' })
  products: string[];

  @Column(DATETIME)
  createdAt: Date;

  /**
   * Set when the store is deleted (deleteStore, shop/redact): from that moment the store is
   * NOT_FOUND everywhere and in no list. Its ledger, suppression hashes and audit entries stay.
   */
  @Column({ ...DATETIME, nullable: true })
  deletedAt: Date | null;

  /**
   * Where a deletion stands: `DELETING` while its database, user and keys are being removed
   * (a deletion interrupted by a crash is finished at the next start), `DELETED` once done.
   */
  @Column({ type: 'varchar', length: 16, nullable: true })
  deletionState: StoreDeletionState | null;

  /** The shop's `*.myshopify.com` host: Shopify's compliance webhooks find the store by it. */
  @Index('idx_stores_shopify_domain', { unique: true })
  @Column({ type: 'varchar', length: 255, nullable: true })
  shopifyDomain: string | null;

  /** Where the store's webhooks go (Standard Webhooks); null: none are sent. */
  @Column({ type: 'varchar', length: 2048, nullable: true })
  webhookUrl: string | null;

  /** The webhook signing secret, encrypted (services/webhooks/webhook-secret.ts); never in clear, never exposed. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  webhookSecret: string | null;
}

export type StoreDeletionState = 'DELETING' | 'DELETED';

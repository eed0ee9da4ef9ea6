import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Precomputed inputs of a customer's preferences (profiles/preferences.ts), kept equal to what
 * re-aggregating the events and order lines gives (profiles/preference-tallies.ts maintains them
 * wherever events or orders are written or erased):
 *
 * - kind 'v': CLICK events per product of one visitor (a customer's clicks are those of the
 *   visitors carrying their customer ID, joined when read: linking a visitor moves its clicks);
 * - kind 'c': units bought per product on the orders carrying one customer ID.
 *
 * Product IDs only, no personal values; the owner is an identifier the store already holds, and
 * erasing a person erases their rows here too.
 */
@Entity('preference_tallies')
export class PreferenceTallyEntity {
  @PrimaryColumn({ type: 'varchar', length: 1 })
  kind: 'v' | 'c';

  /** The visitor ID (kind 'v') or customer ID (kind 'c'). */
  @PrimaryColumn({ type: 'varchar', length: 128 })
  ownerId: string;

  @PrimaryColumn({ type: 'varchar', length: 128 })
  productId: string;

  /** Clicks (kind 'v') or units bought (kind 'c'), as the re-aggregation sums them. */
  @Column({ type: 'int' })
  n: number;
}

import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { DATETIME } from '../common/columns';

export const EVENT_TYPES = ['PAGE_VIEW', 'CONTENT_VIEW', 'CLICK'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One line of a visitor's log: a page view, content shown by the platform, or a click on it. */
@Entity('visit_events')
@Index('idx_visit_events_visitor_time', ['visitorId', 'occurredAt'])
// Covers storeStats' GROUP BY over a time range (events by type, distinct visitors) from the index alone.
@Index('idx_visit_events_stats', ['occurredAt', 'type', 'visitorId'])
export class VisitEventEntity {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ type: 'varchar', length: 128 })
  visitorId: string;

  @Column({ type: 'varchar', length: 16 })
  type: EventType;

  @Column({ type: 'varchar', length: 2048, nullable: true })
  url: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  productId: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  contentId: string | null;

  @Index('idx_visit_events_time')
  @Column(DATETIME)
  occurredAt: Date;

  @Column({ type: 'int', nullable: true })
  durationSeconds: number | null;
}

/**
 * How long a visitor's data is kept (seed requirement S8: 1-12 months, "depending on the
 * frequency and length of their visits").
 *
 * The rule, as a data-protection officer can quote it:
 *   Visit data is kept for one month, plus up to six months for how often the person came back
 *   and up to five months for how long they stayed, over the past year — at most twelve months
 *   in all. Each doubling of the number of visit days (2, 4, 8, 16, 32, 64) adds a month; each
 *   doubling of the time spent (5, 10, 20, 40, 80 minutes) adds a month. A store may narrow the
 *   range within 1-12 months.
 *
 * More or longer visits never shorten the period: both terms only grow with their input.
 */
export interface VisitHistory {
  /** Distinct days with at least one event, over the past year. */
  visitDays: number;
  /** Total time spent (sum of measured durations), in seconds, over the past year. */
  totalSeconds: number;
}

export interface RetentionBounds {
  minMonths: number;
  maxMonths: number;
}

export const DEFAULT_BOUNDS: RetentionBounds = { minMonths: 1, maxMonths: 12 };
const MAX_FREQUENCY_MONTHS = 6;
const MAX_DURATION_MONTHS = 5;
const FIRST_DURATION_STEP_MINUTES = 5;

export function retentionMonths(history: VisitHistory, bounds: RetentionBounds = DEFAULT_BOUNDS): number {
  const days = Math.max(0, Math.floor(history.visitDays));
  const minutes = Math.max(0, history.totalSeconds) / 60;
  const frequency = days >= 2 ? Math.min(MAX_FREQUENCY_MONTHS, Math.floor(Math.log2(days))) : 0;
  const duration = minutes >= FIRST_DURATION_STEP_MINUTES ? Math.min(MAX_DURATION_MONTHS, Math.floor(Math.log2(minutes / FIRST_DURATION_STEP_MINUTES)) + 1) : 0;
  const min = Math.max(1, Math.min(12, bounds.minMonths));
  const max = Math.max(min, Math.min(12, bounds.maxMonths));
  return Math.min(max, Math.max(min, 1 + frequency + duration));
}

/** `date` moved back by whole calendar months (clamped to the month's last day). */
export function monthsBefore(date: Date, months: number): Date {
  return addMonths(date, -months);
}

export function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

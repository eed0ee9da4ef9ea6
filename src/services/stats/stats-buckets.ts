import { BadUserInputError } from '../../errors';

export type StatsIntervalName = 'DAY' | 'WEEK' | 'MONTH';

/** At most this many buckets per query: a year by day (leap years included). */
export const MAX_STATS_BUCKETS = 366;

const DAY_MS = 86_400_000;

/** The UTC start of the bucket holding `at`: midnight, Monday 00:00 or the 1st 00:00. */
export function bucketStart(at: Date, interval: StatsIntervalName): Date {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  if (interval === 'DAY') return new Date(day);
  if (interval === 'WEEK') return new Date(day - ((at.getUTCDay() + 6) % 7) * DAY_MS);
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

export function nextBucket(start: Date, interval: StatsIntervalName): Date {
  if (interval === 'DAY') return new Date(start.getTime() + DAY_MS);
  if (interval === 'WEEK') return new Date(start.getTime() + 7 * DAY_MS);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

/**
 * Every bucket start from the one holding `from` to the last one before `to` (exclusive),
 * empty ones included. Refuses an empty or reversed range and more than MAX_STATS_BUCKETS,
 * without ever building the oversized list.
 */
export function bucketStarts(from: Date, to: Date, interval: StatsIntervalName): Date[] {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new BadUserInputError('`from` and `to` must be valid date-times');
  if (to.getTime() <= from.getTime()) throw new BadUserInputError('`to` must be later than `from` (`from` is inclusive, `to` exclusive)');
  const starts: Date[] = [];
  for (let s = bucketStart(from, interval); s.getTime() < to.getTime(); s = nextBucket(s, interval)) {
    if (starts.length === MAX_STATS_BUCKETS) {
      throw new BadUserInputError(`\`from\` to \`to\` spans more than ${MAX_STATS_BUCKETS} ${interval} buckets; the limit is ${MAX_STATS_BUCKETS} per query (narrow the range or use a longer interval)`);
    }
    starts.push(s);
  }
  return starts;
}

/** The key the SQL returns for a bucket: its start as 'YYYY-MM-DD'. */
export const bucketKey = (d: Date): string => d.toISOString().slice(0, 10);

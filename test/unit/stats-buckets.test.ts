import { bucketStart, bucketStarts, MAX_STATS_BUCKETS } from '../../src/services/stats/stats-buckets';
import { centsToDecimal, decimalToCents, toCents } from '../../src/services/stats/money';

const d = (s: string) => new Date(s);
const iso = (xs: Date[]) => xs.map((x) => x.toISOString());

describe('stats buckets (UTC)', () => {
  it.each([
    ['2026-03-01T23:59:59.999Z', 'DAY', '2026-03-01T00:00:00.000Z'],
    ['2026-03-02T00:00:00.000Z', 'DAY', '2026-03-02T00:00:00.000Z'],
    ['2026-03-01T23:59:59.999Z', 'WEEK', '2026-02-23T00:00:00.000Z'], // a Sunday: the Monday before
    ['2026-03-02T00:00:00.000Z', 'WEEK', '2026-03-02T00:00:00.000Z'], // a Monday
    ['2027-01-01T12:00:00.000Z', 'WEEK', '2026-12-28T00:00:00.000Z'], // across a year end
    ['2024-02-29T10:00:00.000Z', 'MONTH', '2024-02-01T00:00:00.000Z'],
    ['2026-12-31T23:59:59.999Z', 'MONTH', '2026-12-01T00:00:00.000Z'],
  ] as const)('puts %s in the %s bucket starting %s', (at, interval, start) => {
    expect(bucketStart(d(at), interval).toISOString()).toBe(start);
  });

  it('lists every bucket from the one holding `from` to the last before `to`, empty ones included', () => {
    expect(iso(bucketStarts(d('2026-01-30T12:00:00Z'), d('2026-04-01T00:00:00Z'), 'MONTH'))).toEqual(['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z']);
    expect(iso(bucketStarts(d('2024-02-28T00:00:00Z'), d('2024-03-01T00:00:00.001Z'), 'DAY'))).toEqual(['2024-02-28T00:00:00.000Z', '2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z']);
    expect(iso(bucketStarts(d('2026-03-04T00:00:00Z'), d('2026-03-17T00:00:00Z'), 'WEEK'))).toEqual(['2026-03-02T00:00:00.000Z', '2026-03-09T00:00:00.000Z', '2026-03-16T00:00:00.000Z']);
  });

  it('allows a leap year by day and refuses one bucket more, and empty or reversed ranges', () => {
    expect(bucketStarts(d('2024-01-01T00:00:00Z'), d('2025-01-01T00:00:00Z'), 'DAY')).toHaveLength(MAX_STATS_BUCKETS);
    expect(() => bucketStarts(d('2024-01-01T00:00:00Z'), d('2025-01-01T00:00:00.001Z'), 'DAY')).toThrow(/limit is 366/);
    expect(() => bucketStarts(d('0001-01-01T00:00:00Z'), d('9999-01-01T00:00:00Z'), 'MONTH')).toThrow(/limit is 366/);
    expect(() => bucketStarts(d('2026-01-01T00:00:00Z'), d('2026-01-01T00:00:00Z'), 'DAY')).toThrow(/`to` must be later than `from`/);
    expect(() => bucketStarts(new Date(NaN), d('2026-01-01T00:00:00Z'), 'DAY')).toThrow(/valid date-times/);
  });
});

describe('exact money', () => {
  it.each([
    [0n, '0.00'],
    [5n, '0.05'],
    [123450n, '1234.50'],
    [-7n, '-0.07'],
    [99999999999999999n, '999999999999999.99'],
  ])('formats %s cents as %s', (cents, text) => {
    expect(centsToDecimal(cents)).toBe(text);
  });

  it.each([
    ['1234.5', 123450n],
    ['12', 1200n],
    ['0.10', 10n],
    ['-0.07', -7n],
    ['1.005', 101n], // half away from zero, as DECIMAL rounds
    [201, 20100n],
    [0.30000000000000004, 30n],
  ])('reads %p as %s cents', (value, cents) => {
    expect(decimalToCents(value)).toBe(cents);
  });

  it('reads the sums the engines return: integers, DECIMAL strings, bigints', () => {
    expect(toCents(123450)).toBe(123450n);
    expect(toCents('18212857705.00')).toBe(18212857705n);
    expect(toCents(10n)).toBe(10n);
    expect(toCents(null)).toBe(0n);
    expect(() => decimalToCents('12,5')).toThrow();
  });
});

import { addMonths, monthsBefore, retentionMonths } from '../../src/services/retention/retention-rule';

const h = (visitDays: number, minutes: number) => ({ visitDays, totalSeconds: minutes * 60 });

describe('retention rule (S8)', () => {
  it.each([
    ['one short visit', h(1, 1), 1],
    ['no measured time at all', h(1, 0), 1],
    ['two visit days, short', h(2, 2), 2],
    ['one visit of five minutes', h(1, 5), 2],
    ['weekly for a month, 20 minutes', h(4, 20), 6],
    ['occasional: 3 days, 8 minutes', h(3, 8), 3],
    ['frequent: 20 days, an hour', h(20, 60), 9],
    ['frequent and long-staying: 64 days, 3 hours', h(64, 180), 12],
    ['daily for a year, all day', h(365, 10_000), 12],
  ])('%s → %i months', (_name, history, months) => {
    expect(retentionMonths(history)).toBe(months);
  });

  it('never shortens the period for more or longer visits', () => {
    for (let days = 0; days <= 400; days += 7) {
      for (let minutes = 0; minutes <= 2000; minutes += 13) {
        const m = retentionMonths(h(days, minutes));
        expect(m).toBeGreaterThanOrEqual(1);
        expect(m).toBeLessThanOrEqual(12);
        expect(retentionMonths(h(days + 1, minutes))).toBeGreaterThanOrEqual(m);
        expect(retentionMonths(h(days, minutes + 1))).toBeGreaterThanOrEqual(m);
      }
    }
  });

  it.each([
    [{ minMonths: 3, maxMonths: 12 }, h(1, 1), 3],
    [{ minMonths: 1, maxMonths: 6 }, h(64, 180), 6],
    [{ minMonths: 4, maxMonths: 4 }, h(20, 60), 4],
  ])('keeps within a store\'s bounds %j', (bounds, history, months) => {
    expect(retentionMonths(history, bounds)).toBe(months);
  });

  it.each([
    ['2026-03-31T10:00:00.000Z', 1, '2026-02-28T10:00:00.000Z'],
    ['2026-11-29T00:00:00.000Z', 12, '2025-11-29T00:00:00.000Z'],
    ['2024-03-31T00:00:00.000Z', 1, '2024-02-29T00:00:00.000Z'],
  ])('counts calendar months back from %s', (from, months, expected) => {
    expect(monthsBefore(new Date(from), months).toISOString()).toBe(expected);
  });

  it('adds months forward the same way', () => {
    expect(addMonths(new Date('2026-01-31T00:00:00.000Z'), 1).toISOString()).toBe('2026-02-28T00:00:00.000Z');
  });
});

/** The planning maths on its own: reorder lots, stockout walk, forecast figures. */
import { describe, expect, test } from 'vitest';
import { forecast, reorderSuggestion, stockoutDate } from '../../src/service/stock/stock-forecast.js';

const NOW = new Date('2025-01-01T00:00:00Z');
const day = (n: number) => new Date(NOW.getTime() + n * 86_400_000);

describe('reorderSuggestion', () => {
  test.each([
    // available, inTransit, backorders, s, Q → position, suggested
    [20, 0, 0, 5, 10, 20, 0],
    [5, 0, 0, 5, 10, 5, 10], // at the point: one lot
    [0, 2, 1, 10, 6, 1, 12], // floor(9 / 6) + 1 = 2 lots
    [-3, 0, 0, 4, null, -3, 8], // no lot size: lots of max(s, 1) = 4 → 2 lots lift -3 above 4
    [0, 0, 2, null, null, -2, 2], // no reorder point: only the backorders
    [3, 0, 0, null, null, 3, 0],
  ])(
    'available %d, in transit %d, backorders %d, s=%s, Q=%s → position %d, order %d',
    (available, inTransit, openBackorders, reorderPoint, reorderQuantity, position, suggested) => {
      expect(reorderSuggestion({ available, inTransit, openBackorders, reorderPoint, reorderQuantity })).toMatchObject({
        position,
        suggestedQuantity: suggested,
      });
    },
  );
});

describe('stockoutDate', () => {
  test('continuous rate, needs at their dates, covered needs, no rate', () => {
    expect(stockoutDate(10, 1, [], NOW)).toEqual(day(10));
    expect(stockoutDate(10, 1, [{ at: day(2), quantity: 5 }], NOW)).toEqual(day(5)); // 8 left at day 2, 3 after the need
    expect(stockoutDate(4, 0, [{ at: day(3), quantity: 5 }], NOW)).toEqual(day(3)); // the need cannot be met
    expect(stockoutDate(5, 0, [{ at: day(3), quantity: 5 }], NOW)).toBeNull(); // met exactly, nothing else consumes
    expect(stockoutDate(2, 1, [{ at: day(5), quantity: 1 }], NOW)).toEqual(day(2)); // runs dry before the need
    expect(stockoutDate(3, 0, [{ at: day(-4), quantity: 4 }], NOW)).toEqual(NOW); // overdue needs count now
    expect(stockoutDate(-1, 0, [], NOW)).toEqual(NOW);
  });

  test('forecast figures: only needs within the horizon count; recommended covers demand plus safety', () => {
    const f = forecast({
      now: NOW,
      horizonDays: 30,
      lookbackDays: 60,
      consumed: 12,
      stock: 5,
      needs: [
        { at: day(10), quantity: 2 },
        { at: day(40), quantity: 100 },
      ],
      safety: 3,
    });
    expect(f).toEqual({
      dailyRate: 0.2,
      historicalDemand: 6,
      predictedDemand: 2,
      expectedDemand: 8,
      stock: 5,
      stockoutDate: day(15).toISOString(), // 5 - 2 (10 days) - 2 = 1 left, 5 more days
      stockoutWithinHorizon: true,
      recommendedQuantity: 6, // ceil(8 + 3 - 5)
    });
  });
});

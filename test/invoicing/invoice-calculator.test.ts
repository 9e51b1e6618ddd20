/** The pure invoice arithmetic, overtime share and CSV field rules, case by case (no database). */
import { describe, expect, test } from 'vitest';
import { computeInvoice, DEFAULT_TRAVEL_POLICY, haversineKm, type InvoiceWork, type LabourWork } from '../../src/service/invoicing/invoice-calculator.js';
import { csvField } from '../../src/service/invoicing/invoice-export.js';
import { outOfHoursShare, workingHoursCalendar } from '../../src/service/invoicing/working-hours.js';

const VISIT = { visitId: 'v1', workDate: '2025-03-11', travelled: true, distanceKm: null, travelMinutes: null, hourlyCost: 60 };
const labour = (over: Partial<LabourWork> = {}): LabourWork => ({
  entryId: 'l1',
  visitId: 'v1',
  workDate: '2025-03-11',
  minutes: 60,
  prepaidMinutes: 0,
  skill: null,
  overtime: false,
  outOfHoursShare: 0,
  description: null,
  hourlyCost: 60,
  ...over,
});
const work = (over: Partial<InvoiceWork> = {}): InvoiceWork => ({
  labour: [],
  parts: [],
  visits: [VISIT],
  rates: new Map([['*', { hourlyRate: 85, overtimeMultiplier: 1.5 }]]),
  contract: null,
  warrantyEnd: null,
  travel: DEFAULT_TRAVEL_POLICY,
  ...over,
});
const contract = (over: Partial<NonNullable<InvoiceWork['contract']>> = {}) => ({
  id: 'c',
  number: 'CTR-1',
  labourPercent: 0,
  partsPercent: 0,
  travelIncluded: false,
  prepaidAvailable: 0,
  ...over,
});
const kinds = (r: ReturnType<typeof computeInvoice>) => r.lines.map((l) => [l.kind, l.minutes, l.amount]);

describe('computeInvoice', () => {
  test('labour is charged from exact minutes, rounded to the cent once; quantity in hours to 3 decimals', () => {
    const result = computeInvoice(work({ labour: [labour({ minutes: 50 })] }));
    expect(result.lines[1]).toMatchObject({ kind: 'labour', quantity: 0.833, unitPrice: 85, amount: 70.83, cost: 50 });
    expect(result).toMatchObject({ subtotal: 115.83, total: 115.83, costTotal: 50 });
  });

  test('prepaid pays regular minutes before overtime; drawn now only up to the balance', () => {
    // 120 min, half out of hours; 30 drawn at recording, 40 more available now.
    const result = computeInvoice(
      work({ labour: [labour({ minutes: 120, prepaidMinutes: 30, outOfHoursShare: 0.5 })], contract: contract({ prepaidAvailable: 40 }) }),
    );
    expect(result.draws).toEqual([{ labourEntryId: 'l1', visitId: 'v1', minutes: 40 }]);
    expect(kinds(result)).toEqual([
      ['travel', null, 45],
      ['prepaid', 70, 0],
      ['overtime', 50, 106.25],
    ]);
    expect(result.prepaidMinutes).toBe(70);
  });

  test('the balance is shared across entries in order until it runs out', () => {
    const result = computeInvoice(
      work({ labour: [labour({ entryId: 'a', minutes: 30 }), labour({ entryId: 'b', minutes: 30 })], contract: contract({ prepaidAvailable: 45 }) }),
    );
    expect(result.draws.map((d) => [d.labourEntryId, d.minutes])).toEqual([
      ['a', 30],
      ['b', 15],
    ]);
    expect(kinds(result).slice(1)).toEqual([
      ['prepaid', 30, 0],
      ['prepaid', 15, 0],
      ['labour', 15, 21.25],
    ]);
  });

  test('warranty labour draws no prepaid minutes and is covered in full; travel is not a warranty item', () => {
    const result = computeInvoice(work({ labour: [labour()], contract: contract({ prepaidAvailable: 600, labourPercent: 50 }), warrantyEnd: '2025-03-11' }));
    expect(result.draws).toEqual([]);
    expect(result.lines.filter((l) => l.kind === 'coverage').map((l) => [l.description, l.amount])).toEqual([['Warranty (until 2025-03-11): labour', -85]]);
    expect(result.total).toBe(45);
  });

  test('contract percentages round per line; coverage lines are one per source and category', () => {
    const result = computeInvoice(
      work({
        labour: [labour({ entryId: 'a', minutes: 20 }), labour({ entryId: 'b', minutes: 20 })],
        parts: [{ entryId: 'p', visitId: 'v1', workDate: '2025-03-11', sku: 'S', description: null, quantity: 3, unitPrice: 0.33, unitCost: 0.1 }],
        contract: contract({ labourPercent: 33, partsPercent: 50 }),
      }),
    );
    // 20 min at 85 = 28.33 each; 33 % = 9.35 each; parts 0.99 × 50 % = 0.50 (half-cent rounds up).
    expect(result.lines.filter((l) => l.kind === 'coverage').map((l) => l.amount)).toEqual([-18.7, -0.5]);
    expect(result).toMatchObject({ subtotal: 102.65, coveredAmount: 19.2, total: 83.45 });
  });

  test('per-km travel uses the round trip, falling back to the flat fee; a visit without a start has no travel', () => {
    const travel = { ...DEFAULT_TRAVEL_POLICY, mode: 'per_km' as const, perKm: 0.5 };
    const result = computeInvoice(
      work({
        travel,
        visits: [
          { ...VISIT, distanceKm: 2 * 12.345, travelMinutes: 20 },
          { ...VISIT, visitId: 'v2' },
          { ...VISIT, visitId: 'v3', travelled: false },
        ],
      }),
    );
    expect(result.lines.map((l) => [l.description, l.quantity, l.amount, l.cost])).toEqual([
      ['Travel 2025-03-11, 24.7 km round trip', 24.69, 12.35, 47.41],
      ['Travel 2025-03-11 (flat fee)', 1, 45, 0],
    ]);
  });

  test('skill rates with the default row as fallback; the default row is required', () => {
    const rates = new Map([
      ['*', { hourlyRate: 85, overtimeMultiplier: 1.5 }],
      ['electrical', { hourlyRate: 100, overtimeMultiplier: 2 }],
    ]);
    const result = computeInvoice(work({ rates, labour: [labour({ skill: 'electrical', overtime: true }), labour({ entryId: 'l2', skill: 'welding' })] }));
    expect(kinds(result).slice(1)).toEqual([
      ['overtime', 60, 200],
      ['labour', 60, 85],
    ]);
    expect(() => computeInvoice(work({ rates: new Map() }))).toThrow(/default/);
    expect(() => computeInvoice(work({ labour: [labour({ visitId: 'elsewhere' })] }))).toThrow(/visits given/);
  });

  test('haversine distance: Berlin to Hamburg is about 255 km', () => {
    expect(haversineKm({ latitude: 52.52, longitude: 13.405 }, { latitude: 53.551, longitude: 9.993 })).toBeCloseTo(255, -1);
  });
});

describe('working hours and overtime share', () => {
  const weekdays = workingHoursCalendar(
    {
      mon: [['08:00', '17:00']],
      tue: [
        ['08:00', '12:00'],
        ['13:00', '17:00'],
      ],
    },
    'Europe/Berlin',
  );

  test('share of the actual window outside the hours, in the technician zone', () => {
    // Tue 2025-03-11, Berlin = UTC+1. 11:00–14:00 local: 12:00–13:00 is the lunch break.
    expect(outOfHoursShare(new Date('2025-03-11T10:00:00Z'), new Date('2025-03-11T13:00:00Z'), weekdays)).toBe(0.3333);
    expect(outOfHoursShare(new Date('2025-03-11T08:00:00Z'), new Date('2025-03-11T10:00:00Z'), weekdays)).toBe(0);
    // Wednesday has no hours; without an end, the start decides.
    expect(outOfHoursShare(new Date('2025-03-12T09:00:00Z'), new Date('2025-03-12T10:00:00Z'), weekdays)).toBe(1);
    expect(outOfHoursShare(new Date('2025-03-10T09:00:00Z'), null, weekdays)).toBe(0);
  });

  test('unknown or unreadable hours mean no overtime from hours; {start,end} is accepted; bad zones fall back to UTC', () => {
    expect(workingHoursCalendar({}, 'UTC')).toBeNull();
    expect(workingHoursCalendar('not json', 'UTC')).toBeNull();
    expect(workingHoursCalendar({ mon: [['9', '5']] }, 'UTC')).toBeNull();
    expect(outOfHoursShare(new Date('2025-03-12T22:00:00Z'), new Date('2025-03-12T23:00:00Z'), null)).toBe(0);
    expect(workingHoursCalendar({ Monday: [{ start: '08:00', end: '17:00' }] }, 'Mars/Olympus')).toEqual({
      timeZone: 'UTC',
      weekly: { mon: [{ start: '08:00', end: '17:00' }] },
      holidays: [],
    });
  });
});

describe('csvField', () => {
  test('quotes commas, quotes and line breaks; guards text formulas, never numbers', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvField('=1+2')).toBe("'=1+2");
    expect(csvField('-5', 'number')).toBe('-5');
    expect(csvField(null)).toBe('');
  });
});

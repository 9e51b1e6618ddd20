import { describe, expect, it } from 'vitest';
import { validateEvents, validateTelemetry } from '../../src/telemetry/ingest/telemetry.validator.js';
import { eventLines, telemetryLines } from '../../src/telemetry/ingest/line-protocol.js';
import { json, testDevice, testModel } from './ingest-fixtures.js';

const now = Date.parse('2025-06-01T12:00:00Z');
const opts = { now, maxFutureMs: 300_000 };

describe('validateTelemetry', () => {
  it('accepts one reading with an epoch-ms timestamp', () => {
    const result = validateTelemetry(json({ ts: now - 1000, metrics: { temperature: 41.5, pressure: 4 } }), testModel, opts);
    expect(result).toEqual({ ok: true, items: [{ ts: now - 1000, metrics: { temperature: 41.5, pressure: 4 } }] });
  });

  it('accepts an array and ISO 8601 timestamps with offsets', () => {
    const result = validateTelemetry(
      json([
        { ts: '2025-06-01T11:00:00Z', metrics: { temperature: 1 } },
        { ts: '2025-06-01T13:00:00.250+02:00', metrics: { pressure: 2 } },
      ]),
      testModel,
      opts,
    );
    expect(result.ok && result.items.map((r) => r.ts)).toEqual([Date.parse('2025-06-01T11:00:00Z'), Date.parse('2025-06-01T11:00:00.250Z')]);
  });

  it.each([
    ['not_json', Buffer.from('{"ts": 1, metrics')],
    ['not_json', Buffer.from([0xff, 0xfe, 0x00])],
    ['invalid_shape', json('hello')],
    ['invalid_shape', json([])],
    ['invalid_shape', json({ ts: now })],
    ['invalid_shape', json({ ts: now, metrics: {} })],
    ['invalid_shape', json({ ts: now, metrics: { temperature: 1 }, extra: true })],
    ['invalid_shape', json({ ts: true, metrics: { temperature: 1 } })],
    ['unknown_metric', json({ ts: now, metrics: { humidity: 1 } })],
    ['unknown_metric', json({ ts: now, metrics: { constructor: 1 } })],
    ['unknown_metric', Buffer.from(`{"ts":${now},"metrics":{"temperature":1,"__proto__":{"pressure":2}}}`)],
    ['wrong_type', json({ ts: now, metrics: { temperature: '41' } })],
    ['wrong_type', json({ ts: now, metrics: { temperature: null } })],
    ['out_of_range', json({ ts: now, metrics: { pressure: 16.01 } })],
    ['out_of_range', json({ ts: now, metrics: { temperature: -41 } })],
    ['future_timestamp', json({ ts: now + 300_001, metrics: { temperature: 1 } })],
    ['bad_timestamp', json({ ts: 1_700_000_000, metrics: { temperature: 1 } })],
    ['bad_timestamp', json({ ts: '1999-12-31T23:59:59Z', metrics: { temperature: 1 } })],
    ['bad_timestamp', json({ ts: 'yesterday', metrics: { temperature: 1 } })],
    ['bad_timestamp', json({ ts: '2025-06-01 12:00:00', metrics: { temperature: 1 } })],
  ])('rejects %s: %s', (reason, payload) => {
    const result = validateTelemetry(payload, testModel, opts);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toBe(reason);
    expect(!result.ok && result.detail.length).toBeGreaterThan(5);
  });

  it('rejects the whole array when one reading is bad, naming it', () => {
    const result = validateTelemetry(
      json([
        { ts: now, metrics: { temperature: 1 } },
        { ts: now, metrics: { temperature: 1 } },
        { ts: now, metrics: { pressure: 99 } },
      ]),
      testModel,
      opts,
    );
    expect(result).toMatchObject({ ok: false, reason: 'out_of_range' });
    expect(!result.ok && result.detail).toMatch(/^reading 2: metric "pressure" = 99/);
  });

  it('caps the array length', () => {
    const many = Array.from({ length: 11 }, () => ({ ts: now, metrics: { temperature: 1 } }));
    expect(validateTelemetry(json(many), testModel, { ...opts, maxItems: 10 })).toMatchObject({ ok: false, reason: 'invalid_shape' });
    expect(validateTelemetry(json(many.slice(1)), testModel, { ...opts, maxItems: 10 }).ok).toBe(true);
  });
});

describe('validateEvents', () => {
  it('accepts a known code and defaults severity from the model', () => {
    expect(validateEvents(json({ ts: now, code: 'E101', message: 'overload' }), testModel, opts)).toEqual({
      ok: true,
      items: [{ ts: now, code: 'E101', severity: 'alarm', message: 'overload' }],
    });
  });

  it('rejects an unknown code, a bad severity, and a bad timestamp', () => {
    expect(validateEvents(json({ ts: now, code: 'E999' }), testModel, opts)).toMatchObject({ ok: false, reason: 'unknown_event' });
    expect(validateEvents(json({ ts: now, code: 'E101', severity: 'fatal' }), testModel, opts)).toMatchObject({ ok: false, reason: 'invalid_shape' });
    expect(validateEvents(json({ ts: 5, code: 'E101' }), testModel, opts)).toMatchObject({ ok: false, reason: 'bad_timestamp' });
  });
});

describe('line protocol', () => {
  it('writes the five tags, one float field per metric and the ms timestamp', () => {
    const device = testDevice({ deviceId: 'pump 1,a=b', assetId: 'a1', modelId: 'm', siteId: 's', customerId: 'c' });
    expect(telemetryLines(device, [{ ts: 1_750_000_000_000, metrics: { temperature: 41.5, pressure: 4 } }])).toEqual([
      'telemetry,asset=a1,customer=c,device=pump\\ 1\\,a\\=b,model=m,site=s temperature=41.5,pressure=4 1750000000000',
    ]);
    expect(eventLines(device, [{ ts: 1, code: 'E1', severity: 'alarm', message: 'say "hi"\nnow' }])).toEqual([
      'events,asset=a1,customer=c,device=pump\\ 1\\,a\\=b,model=m,site=s code="E1",severity="alarm",message="say \\"hi\\" now" 1',
    ]);
  });
});

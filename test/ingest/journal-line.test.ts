/** The journal keeps only line protocol: parseLine must read back exactly what line-protocol.ts wrote. */
import { expect, test } from 'vitest';
import { eventLines, telemetryLines } from '../../src/telemetry/ingest/line-protocol.js';
import { lineSource, parseLine } from '../../src/telemetry/journal/telemetry-journal.js';

const device = { deviceId: 'd-abc', assetId: 'a, b=c d', modelId: 'pump-x', siteId: 's\\1', customerId: 'c1' };

test('telemetry lines round-trip, escapes included', () => {
  const [line] = telemetryLines(device, [{ ts: 1_700_000_000_123, metrics: { flow: 12.5, 'odd name': -0, big: 1e21 } }]);
  expect(parseLine(line!)).toEqual({
    measurement: 'telemetry',
    tags: { asset: 'a, b=c d', customer: 'c1', device: 'd-abc', model: 'pump-x', site: 's\\1' },
    fields: { flow: 12.5, 'odd name': 0, big: 1e21 },
    ts: 1_700_000_000_123,
  });
  expect(lineSource(line!)).toEqual({ channel: 'telemetry', deviceId: 'd-abc', assetId: 'a, b=c d' });
});

test('event lines round-trip with quoted strings holding spaces, commas, equals and quotes', () => {
  const [line] = eventLines(device, [{ ts: 5, code: 'E-1', severity: 'alarm', message: 'motor "hot", trip=on \\ now' }]);
  expect(parseLine(line!)).toMatchObject({ measurement: 'events', fields: { code: 'E-1', severity: 'alarm', message: 'motor "hot", trip=on \\ now' }, ts: 5 });
  expect(lineSource(line!)?.channel).toBe('events');
});

test('malformed lines are undefined, not a crash', () => {
  expect(parseLine('telemetry,asset=a')).toBeUndefined();
  expect(parseLine('telemetry,asset=a f=1 notatime')).toBeUndefined();
  expect(lineSource('')).toBeUndefined();
});

test('the fast path for plain lines parses exactly like the escaped path', () => {
  const plain = 'telemetry,asset=a1,device=d-1,model=m telemetry_a=1.5,b=-2,c=3e-7 1700000000000';
  // The same line with an escaped space in a tag value forces the general parser.
  const escaped = 'telemetry,asset=a1,device=d-1,model=m\\ x telemetry_a=1.5,b=-2,c=3e-7 1700000000000';
  expect(parseLine(plain)).toEqual({
    measurement: 'telemetry',
    tags: { asset: 'a1', device: 'd-1', model: 'm' },
    fields: { telemetry_a: 1.5, b: -2, c: 3e-7 },
    ts: 1700000000000,
  });
  expect(parseLine(escaped)).toEqual({
    measurement: 'telemetry',
    tags: { asset: 'a1', device: 'd-1', model: 'm x' },
    fields: { telemetry_a: 1.5, b: -2, c: 3e-7 },
    ts: 1700000000000,
  });
  for (const bad of ['telemetry a=1', 'telemetry,asset a=1 1', 'telemetry a 1', 'telemetry a=1 1 2', ' a=1 1', 'telemetry a=1 x'])
    expect(parseLine(bad), bad).toBeUndefined();
});

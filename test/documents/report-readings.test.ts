/**
 * Readings for the service report against a real InfluxDB: the one-minute mean nearest arrival
 * and departure per metric of the asset's model; nothing (not an error) without telemetry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectInflux, type InfluxConnection } from '../../src/telemetry/influx/influx.connection.js';
import { telemetryLines } from '../../src/telemetry/ingest/line-protocol.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { TelemetryReader } from '../../src/telemetry/readings/telemetry.reader.js';
import { readingsAround } from '../../src/service/documents/report-readings.js';
import { renderServiceReport } from '../../src/service/documents/service-report-document.js';
import type { TicketFacts, VisitFacts } from '../../src/service/documents/documents.repository.js';
import { silentLogger, testDevice, testModel, uniqueName } from '../ingest/ingest-fixtures.js';
import { pdfContent } from '../harness/pdf-text.js';

let influx: InfluxConnection;
const device = testDevice();
const arrival = new Date('2025-05-01T10:00:00Z');
const departure = new Date('2025-05-01T11:00:00Z');
const models = ModelRegistry.of([testModel]);

beforeAll(async () => {
  influx = await connectInflux({ url: inject('influxUrl'), database: uniqueName('docs'), retentionPolicy: '', logger: silentLogger });
  await influx.ensureDatabase();
  const api = influx.writeApi();
  // Temperature 60 around arrival, 41 around departure; pressure only around arrival.
  const around = (at: Date, metrics: Record<string, number>) => Array.from({ length: 6 }, (_, i) => ({ ts: at.getTime() - 120_000 + i * 40_000, metrics }));
  api.writeRecords(telemetryLines(device, [...around(arrival, { temperature: 60, pressure: 7 }), ...around(departure, { temperature: 41 })]));
  await api.flush();
});
afterAll(async () => {
  await influx?.close();
});

describe('readings at arrival and departure', () => {
  it('takes the mean nearest each moment, per metric of the model, and leaves out metrics without any', async () => {
    const rows = await readingsAround({ telemetry: new TelemetryReader(influx), models }, { id: device.assetId, modelId: testModel.id }, arrival, departure);
    expect(rows).toEqual([
      { metric: 'temperature', unit: '°C', arrival: 60, departure: 41 },
      { metric: 'pressure', unit: 'bar', arrival: 7, departure: null },
    ]);
  });

  it('gives nothing, without failing, when there is no asset, no reading or no InfluxDB', async () => {
    const reader = new TelemetryReader(influx);
    expect(await readingsAround({ telemetry: reader, models }, { id: null, modelId: null }, arrival, departure)).toEqual([]);
    const quiet = new Date('2025-06-01T10:00:00Z');
    expect(await readingsAround({ telemetry: reader, models }, { id: device.assetId, modelId: testModel.id }, quiet, quiet)).toEqual([]);
    const away = new TelemetryReader(() => undefined);
    expect(await readingsAround({ telemetry: away, models }, { id: device.assetId, modelId: testModel.id }, arrival, departure)).toEqual([]);
  });

  it('are printed in the report; a signature pdfkit cannot read is left out rather than failing the report', async () => {
    const ticket = { number: 'TCK-000777', title: 'Pump noise', customer_name: 'Acme', model_name: 'Test pump' } as TicketFacts;
    const visit = {
      actual_start: arrival,
      actual_end: departure,
      planned_start: arrival,
      outcome: 'fixed',
      technician_name: 'Tom',
      resolution_notes: 'Bearing replaced',
      acceptance_name: 'Ms Meyer',
      // A PNG signature followed by garbage: it passes the prefix check, pdfkit cannot decode it.
      acceptance_signature: `data:image/png;base64,${Buffer.from('\x89PNG\r\n\x1a\nnot really').toString('base64')}`,
      accepted_at: departure,
    } as VisitFacts;
    const pdf = await renderServiceReport({
      ticket,
      visit,
      labour: [],
      parts: [],
      readings: [{ metric: 'temperature', unit: '°C', arrival: 60, departure: 41 }],
      photos: [],
      company: { name: 'Service Co', addressLines: [] },
      locale: { language: 'en', timeZone: 'UTC' },
    });
    const { text, imageCount } = await pdfContent(pdf);
    expect(text).toContain('At arrival');
    expect(text).toContain('60 °C');
    expect(text).toContain('41 °C');
    expect(text).toContain('Accepted by Ms Meyer');
    expect(imageCount).toBe(0);
  });
});

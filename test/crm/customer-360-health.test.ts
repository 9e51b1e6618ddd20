/**
 * The customer 360 as the desk needs it: each asset's health (open alarms, the latest alarm, the
 * latest reading from a real InfluxDB) and money only for the roles that see it.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { Customer360Service } from '../../src/service/customers/customer-360.service.js';
import { connectInflux, type InfluxConnection } from '../../src/telemetry/influx/influx.connection.js';
import { telemetryLines } from '../../src/telemetry/ingest/line-protocol.js';
import { TelemetryReader } from '../../src/telemetry/readings/telemetry.reader.js';
import { silentLogger, testDevice, uniqueName } from '../ingest/ingest-fixtures.js';
import { seedCustomer, startServiceApi, type ServiceApi } from '../service/service-fixture.js';

let api: ServiceApi;
let influx: InfluxConnection;
let customerId: string;
let assetIds: string[];

/** Every property name at any depth of a JSON value. */
function keysDeep(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keysDeep(v, into);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      keysDeep(v, into);
    }
  }
  return into;
}

async function alarm(assetId: string, ruleId: string, state: string, lastSeenAt: string) {
  await api.db.query(
    `INSERT INTO alarms (asset_id, model_id, rule_id, fault_code, kind, severity, state, first_seen_at, last_seen_at, evidence)
     VALUES ($1, 'chiller-x', $2, 'F1', 'threshold', 'high', $3, $4, $4, '{}')`,
    [assetId, ruleId, state, lastSeenAt],
  );
}

beforeAll(async () => {
  api = await startServiceApi('2025-03-10T08:00:00.000Z');
  ({ customerId, assetIds } = await seedCustomer(api, 2));
  const device = await api.call('POST', `/api/v1/assets/${assetIds[0]}/device`);
  expect(device.status).toBe(201);
  await alarm(assetIds[0]!, 'supply-high', 'active', '2025-03-10T07:00:00Z');
  await alarm(assetIds[0]!, 'power-spike', 'acknowledged', '2025-03-10T07:30:00Z');
  await alarm(assetIds[0]!, 'old-fault', 'cleared', '2025-03-01T07:30:00Z');
  await api.call('POST', '/api/v1/contracts', { customerId, name: 'Care', startsOn: '2025-01-01', value: 12_000, currency: 'EUR', prepaidMinutes: 300 });
  await api.call('POST', '/api/v1/opportunities', { customerId, kind: 'contract_offer', title: 'Extend the care contract', value: 900, currency: 'EUR' });

  influx = await connectInflux({ url: inject('influxUrl'), database: uniqueName('c360'), retentionPolicy: '', logger: silentLogger });
  await influx.ensureDatabase();
  const write = influx.writeApi();
  const identity = testDevice({ assetId: assetIds[0]!, modelId: 'chiller-x', customerId });
  write.writeRecords(
    telemetryLines(identity, [
      { ts: Date.parse('2025-03-10T07:58:00Z'), metrics: { supply_temp: 6.5, power_kw: 80 } },
      { ts: Date.parse('2025-03-10T07:59:00Z'), metrics: { supply_temp: 7.25, power_kw: 82 } },
    ]),
  );
  await write.flush();
});
afterAll(async () => {
  await influx?.close();
  await api?.close();
});

describe('asset health in the customer 360', () => {
  test('open alarms (active and acknowledged), the latest alarm; no reader: readings unavailable', async () => {
    const reply = await api.call('GET', `/api/v1/customers/${customerId}/360`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const byId = (id: string) => reply.body.assets.find((a: { id: string }) => a.id === id);
    expect(byId(assetIds[0]!).health).toEqual({
      openAlarms: 2,
      latestAlarm: {
        id: expect.any(String),
        ruleId: 'power-spike',
        faultCode: 'F1',
        kind: 'threshold',
        severity: 'high',
        state: 'acknowledged',
        lastSeenAt: '2025-03-10T07:30:00.000Z',
      },
      latestReading: null,
    });
    expect(byId(assetIds[1]!).health).toEqual({ openAlarms: 0, latestAlarm: null, latestReading: null });
    expect(reply.body.readingsAvailable).toBe(false);
  });

  test('the latest reading of each asset with a device, from InfluxDB', async () => {
    const service = new Customer360Service(api.db, api.clock, new TelemetryReader(influx));
    const view = await service.get(customerId);
    expect(view.readingsAvailable).toBe(true);
    const withDevice = view.assets.find((a) => a.id === assetIds[0]);
    expect(withDevice?.health.latestReading).toEqual({ at: '2025-03-10T07:59:00.000Z', metrics: { supply_temp: 7.25, power_kw: 82 } });
    expect(view.assets.find((a) => a.id === assetIds[1])?.health.latestReading).toBeNull();
  });

  test('InfluxDB not connected: the 360 still answers, readings unavailable', async () => {
    // The platform's reader while its InfluxDB connection is not (yet) up.
    const down = new Customer360Service(api.db, api.clock, new TelemetryReader(() => undefined));
    const view = await down.get(customerId);
    expect(view.readingsAvailable).toBe(false);
    expect(view.assets.every((a) => a.health.latestReading === null)).toBe(true);
    expect(view.assets.find((a) => a.id === assetIds[0])?.health.openAlarms).toBe(2);
  });
});

describe('money in the 360', () => {
  test("an agent sees the health, the SLA, the prepaid minutes and the offers but no money (contracts', offers'); an admin sees it all", async () => {
    const agent = await api.user('agent');
    const asAgent = await api.call('GET', `/api/v1/customers/${customerId}/360`, undefined, agent.auth);
    expect(asAgent.status).toBe(200);
    const agentKeys = keysDeep(asAgent.body);
    for (const hidden of ['value', 'currency', 'activeContractValue']) expect(agentKeys.has(hidden), hidden).toBe(false);
    expect(asAgent.body.contracts[0].prepaid).toEqual({ purchasedMinutes: 300, balanceMinutes: 300 });
    expect(asAgent.body.assets.find((a: { id: string }) => a.id === assetIds[0]).health.openAlarms).toBe(2);
    expect(asAgent.body.opportunities.open[0].title).toBe('Extend the care contract');
    for (const hidden of ['offerValue', 'offerCurrency']) expect(agentKeys.has(hidden), hidden).toBe(false);

    const asAdmin = await api.call('GET', `/api/v1/customers/${customerId}/360`);
    expect(asAdmin.body.contracts[0]).toMatchObject({ value: 12_000, currency: 'EUR' });
    expect(asAdmin.body.profile.tierBasis.activeContractValue).toBe(12_000);
    expect(asAdmin.body.opportunities.open[0]).toMatchObject({ offerValue: 900, offerCurrency: 'EUR' });
  });
});

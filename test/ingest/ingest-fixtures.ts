/** Shared fixtures of the ingest tests: a small equipment model, a device, a silent logger, unique names. */
import { randomBytes, randomUUID } from 'node:crypto';
import { equipmentModelFileSchema, type EquipmentModel } from '../../src/telemetry/models/models.schema.js';
import type { DeviceIdentity } from '../../src/telemetry/devices/devices.types.js';
import { createLogger } from '../../src/kernel/logger.js';

export const silentLogger = createLogger('silent');

export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export const testModel: EquipmentModel = {
  id: 'test-pump',
  ...equipmentModelFileSchema.parse({
    name: 'Test pump',
    manufacturer: 'Telemend',
    category: 'pump',
    description: 'A pump for tests',
    metrics: {
      temperature: { unit: '°C', description: 'Bearing temperature', min: -40, max: 150, samplePeriodSeconds: 10, simulation: { base: 40 } },
      pressure: { unit: 'bar', description: 'Discharge pressure', min: 0, max: 16, samplePeriodSeconds: 10, simulation: { base: 4 } },
      x: { unit: '1', description: 'Spare metric', min: -1000, max: 1000, samplePeriodSeconds: 10, simulation: { base: 0 } },
    },
    events: {
      E101: { severity: 'alarm', description: 'Motor overload' },
      W7: { severity: 'warning', description: 'Filter clogging' },
    },
  }),
};

export function testDevice(overrides: Partial<DeviceIdentity> = {}): DeviceIdentity {
  return {
    deviceId: uniqueName('dev-'),
    assetId: randomUUID(),
    modelId: testModel.id,
    siteId: randomUUID(),
    customerId: randomUUID(),
    ...overrides,
  };
}

export const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

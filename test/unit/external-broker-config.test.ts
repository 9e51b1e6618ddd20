/** The external-broker variables: combinations that cannot work stop the start-up, naming the variable. */
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/kernel/config.js';
import { sharedFilters } from '../../src/telemetry/external-broker/external-ingest.js';

const base = { TELEMEND_ADMIN_TOKEN: 'x'.repeat(24) };

describe('external broker configuration', () => {
  test('the embedded broker off needs an external one for the roles that ingest', () => {
    expect(() => loadConfig({ ...base, MQTT_EMBEDDED: 'false' })).toThrow(/MQTT_EMBEDDED/);
    expect(() => loadConfig({ ...base, MQTT_EMBEDDED: 'false', TELEMEND_ROLE: 'api' })).not.toThrow();
    expect(loadConfig({ ...base, MQTT_EMBEDDED: 'false', MQTT_EXTERNAL_URL: 'mqtts://broker.example:8883' }).MQTT_EXTERNAL_URL).toBe(
      'mqtts://broker.example:8883',
    );
  });

  test('dynamic security needs the external broker; bad URLs and groups are refused', () => {
    expect(() => loadConfig({ ...base, MQTT_EXTERNAL_DYNSEC: 'true' })).toThrow(/MQTT_EXTERNAL_DYNSEC/);
    expect(() => loadConfig({ ...base, MQTT_EXTERNAL_URL: 'http://broker' })).toThrow(/MQTT_EXTERNAL_URL/);
    expect(() => loadConfig({ ...base, MQTT_EXTERNAL_SHARE_GROUP: 'a/b' })).toThrow(/MQTT_EXTERNAL_SHARE_GROUP/);
    expect(() => loadConfig({ ...base, MQTT_AUTH_HOOK_SECRET: 'short' })).toThrow(/MQTT_AUTH_HOOK_SECRET/);
  });

  test('the shared subscriptions cover every device channel', () => {
    expect(sharedFilters('telemend')).toEqual([
      '$share/telemend/devices/+/telemetry',
      '$share/telemend/devices/+/events',
      '$share/telemend/devices/+/status',
      '$share/telemend/devices/+/command-results',
    ]);
  });
});

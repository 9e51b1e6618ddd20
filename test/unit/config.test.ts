import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ConfigError, configSchema, loadConfig } from '../../src/kernel/config.js';

const base = { TELEMEND_ADMIN_TOKEN: 'x'.repeat(24) };

describe('configuration', () => {
  test('defaults keep everything on loopback', () => {
    const config = loadConfig(base);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.MQTT_HOST).toBe('127.0.0.1');
    expect(config.MQTT_ALLOW_ANONYMOUS).toBe(false);
    expect(config.MQTT_MAX_PACKET_SIZE).toBe(65536);
    expect(Object.isFrozen(config)).toBe(true);
  });

  test.each([
    ['PORT', 'eighty', /PORT \("eighty"\)/],
    ['MQTT_PORT', '70000', /MQTT_PORT/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL .*postgres:\/\//],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL/],
    ['INFLUX_URL', 'not a url', /INFLUX_URL/],
    ['INFLUX_GZIP', 'yes', /INFLUX_GZIP/],
    ['MQTT_ALLOW_ANONYMOUS', 'maybe', /MQTT_ALLOW_ANONYMOUS/],
    ['TELEMEND_ROLE', 'everything', /TELEMEND_ROLE/],
    ['TELEMEND_ADMIN_TOKEN', 'short', /TELEMEND_ADMIN_TOKEN .*16 characters/],
  ])('rejects %s=%s naming the variable', (name, value, message) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(message);
  });

  test('a missing admin token is named', () => {
    expect(() => loadConfig({})).toThrow(/TELEMEND_ADMIN_TOKEN \(unset\)/);
  });

  test('TLS needs a certificate and a key', () => {
    expect(() => loadConfig({ ...base, MQTT_TLS_PORT: '8883' })).toThrow(/MQTT_TLS_CERT/);
  });

  test('every variable is documented in README and every documented one exists', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.split('## Configuration')[1]!.split('\n## ')[0]!;
    const documented = [...section.matchAll(/^\| ([A-Z0-9_]+) \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(configSchema.shape).sort());
  });
});

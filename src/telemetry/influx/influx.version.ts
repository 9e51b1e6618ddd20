/** Which InfluxDB flavour answers, from `/ping`'s `X-Influxdb-Version` header. */
export const INFLUX_VERSIONS = ['1.x-legacy', '1.8+', '2.x', '3.x'] as const;
export type InfluxVersion = (typeof INFLUX_VERSIONS)[number];

/**
 * `1.6.7` → 1.x-legacy (only /write), `1.8.10` → 1.8+ (/api/v2/write with `user:password`
 * token), `v2.7.1`/`2.7.1` → 2.x, `3.0.0` → 3.x. Undefined when the header is absent or unknown.
 */
export function parseInfluxVersion(header: string | null | undefined): InfluxVersion | undefined {
  const match = /^v?(\d+)\.(\d+)/.exec(header?.trim() ?? '');
  if (!match) return undefined;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major === 1) return minor >= 8 ? '1.8+' : '1.x-legacy';
  if (major === 2) return '2.x';
  if (major === 3) return '3.x';
  return undefined;
}

/** The device contract as pure decisions, plus the connection limiter and the log throttle. */
import { describe, expect, it } from 'vitest';
import { ConnectionLimiter } from '../../src/telemetry/broker/connection-limiter.js';
import { ThrottledLog } from '../../src/telemetry/broker/broker.stats.js';
import { decidePublish, decideSubscribe, mayForward, topicLevels, type Principal } from '../../src/telemetry/broker/topic-policy.js';
import type { Logger } from '../../src/kernel/logger.js';

const dev: Principal = { kind: 'device', deviceId: 'd1' };
const anon: Principal = { kind: 'anonymous' };
const pub = (principal: Principal, topic: string, extra: { qos?: number; payload?: string; isWill?: boolean } = {}) =>
  decidePublish(principal, { topic, qos: extra.qos ?? 1, payload: Buffer.from(extra.payload ?? '{}'), isWill: extra.isWill ?? false }, 5);

describe('decidePublish', () => {
  it.each([
    ['devices/d1/telemetry', { allow: true, channel: 'telemetry' }],
    ['devices/d1/events', { allow: true, channel: 'events' }],
    ['devices/d1/command-results', { allow: true, channel: 'command-results' }],
    ['devices/d2/command-results', { allow: false, reason: 'foreign_topic' }],
    ['devices/d2/telemetry', { allow: false, reason: 'foreign_topic' }],
    ['devices/d1x/telemetry', { allow: false, reason: 'foreign_topic' }],
    ['devices/d1/commands', { allow: false, reason: 'unknown_channel' }],
    ['devices/d1/telemetry/x', { allow: false, reason: 'unknown_channel' }],
    ['$SYS/x', { allow: false, reason: 'sys_topic' }],
    ['a/b/c/d/e/f', { allow: false, reason: 'topic_too_deep' }],
    ['lab/x', { allow: false, reason: 'foreign_topic' }],
  ])('device → %s', (topic, expected) => {
    expect(pub(dev, topic)).toEqual(expected);
  });

  it('status must be online or offline; QoS 2 and data wills are refused', () => {
    expect(pub(dev, 'devices/d1/status', { payload: 'online' })).toEqual({ allow: true, channel: 'status' });
    expect(pub(dev, 'devices/d1/status', { payload: 'offline', isWill: true })).toEqual({ allow: true, channel: 'status' });
    expect(pub(dev, 'devices/d1/status', { payload: 'up' })).toEqual({ allow: false, reason: 'bad_status' });
    expect(pub(dev, 'devices/d1/telemetry', { qos: 2 })).toEqual({ allow: false, reason: 'qos_not_supported' });
    expect(pub(dev, 'devices/d1/telemetry', { isWill: true })).toEqual({ allow: false, reason: 'will_topic' });
  });

  it('anonymous clients stay outside devices/ and $SYS/', () => {
    expect(pub(anon, 'lab/x')).toEqual({ allow: true, channel: null });
    expect(pub(anon, 'devices/d1/telemetry')).toEqual({ allow: false, reason: 'devices_tree' });
    expect(pub(anon, 'devices')).toEqual({ allow: false, reason: 'devices_tree' });
    expect(pub(anon, '$SYS/x')).toEqual({ allow: false, reason: 'sys_topic' });
  });
});

describe('decideSubscribe and mayForward', () => {
  it('devices get their own commands topic only', () => {
    expect(decideSubscribe(dev, 'devices/d1/commands', 5)).toEqual({ allow: true });
    expect(decideSubscribe(dev, 'devices/d1/#', 5)).toEqual({ allow: false, reason: 'foreign_topic' });
    expect(decideSubscribe(dev, 'devices/+/commands', 5)).toEqual({ allow: false, reason: 'foreign_topic' });
    expect(decideSubscribe(dev, '$SYS/#', 5)).toEqual({ allow: false, reason: 'sys_topic' });
    expect(mayForward(dev, 'devices/d1/commands')).toBe(true);
    expect(mayForward(dev, 'devices/d2/commands')).toBe(false);
  });

  it('anonymous filters may not start with a wildcard nor enter devices/', () => {
    expect(decideSubscribe(anon, 'lab/+/x', 5)).toEqual({ allow: true });
    expect(decideSubscribe(anon, '#', 5)).toEqual({ allow: false, reason: 'wildcard_root' });
    expect(decideSubscribe(anon, '+/telemetry', 5)).toEqual({ allow: false, reason: 'wildcard_root' });
    expect(decideSubscribe(anon, 'devices/#', 5)).toEqual({ allow: false, reason: 'devices_tree' });
    expect(decideSubscribe(anon, 'a/b/c/d/e/f', 5)).toEqual({ allow: false, reason: 'topic_too_deep' });
    expect(mayForward(anon, 'devices/d1/telemetry')).toBe(false);
    expect(mayForward(anon, 'lab/x')).toBe(true);
  });

  it('counts levels like MQTT', () => {
    expect([topicLevels('a'), topicLevels('a/b'), topicLevels('a/'), topicLevels('/')]).toEqual([1, 2, 2, 2]);
  });
});

describe('ConnectionLimiter', () => {
  it('allows N per address per window and forgets old windows', () => {
    const limiter = new ConnectionLimiter(2, 1000);
    expect([limiter.allow('a', 0), limiter.allow('a', 10), limiter.allow('a', 20), limiter.allow('b', 20)]).toEqual([true, true, false, true]);
    expect(limiter.allow('a', 1000)).toBe(true);
    limiter.prune(1500);
    expect(limiter.trackedAddresses).toBe(1);
    limiter.prune(2000);
    expect(limiter.trackedAddresses).toBe(0);
  });
});

describe('ThrottledLog', () => {
  it('logs a subject and reason once per interval', () => {
    const lines: unknown[] = [];
    const logger = { warn: (obj: unknown) => lines.push(obj) } as unknown as Logger;
    const log = new ThrottledLog(logger, 60_000);
    log.warn('d1', 'foreign_topic', {}, 'x', 0);
    log.warn('d1', 'foreign_topic', {}, 'x', 1000);
    log.warn('d1', 'sys_topic', {}, 'x', 1000);
    log.warn('d1', 'foreign_topic', {}, 'x', 61_000);
    expect(lines).toEqual([
      { reason: 'foreign_topic', suppressedSinceLast: 0 },
      { reason: 'sys_topic', suppressedSinceLast: 0 },
      { reason: 'foreign_topic', suppressedSinceLast: 1 },
    ]);
  });
});

/**
 * Who may publish and subscribe where: the device contract of DESIGN.md as pure functions,
 * so the aedes hooks stay thin and the rules are unit-testable without a broker.
 *
 * - A device may publish only `devices/{ownId}/telemetry|events|status|command-results` and
 *   subscribe only to `devices/{ownId}/commands`.
 * - An anonymous client (lab mode only) may use any topic outside `devices/` and `$SYS/`;
 *   filters starting with a wildcard are refused because they would match `devices/`.
 * - A technician's mobile app (client id `tech:<userId>`) may publish only
 *   `technicians/{ownUserId}/location` and subscribe to nothing; nobody else may publish or
 *   subscribe under `technicians/` (positions are personal data).
 * - `$SYS/` is never writable [MQTT-4.7.2-1: `$` topics are the server's].
 */

export type Principal =
  { readonly kind: 'device'; readonly deviceId: string } | { readonly kind: 'technician'; readonly technicianId: string } | { readonly kind: 'anonymous' };

export const DEVICE_CHANNELS = ['telemetry', 'events', 'status', 'command-results'] as const;
export type DeviceChannel = (typeof DEVICE_CHANNELS)[number];
/** The one channel of a technician's app. */
export type TechnicianChannel = 'location';

export const PUBLISH_REFUSALS = [
  'sys_topic',
  'topic_too_deep',
  'foreign_topic',
  'unknown_channel',
  'devices_tree',
  'bad_status',
  'qos_not_supported',
  'will_topic',
  'technicians_tree',
  /** Over the device's publish quota (MQTT_PUBLISH_RATE / MQTT_PUBLISH_BURST); set by the hooks. */
  'quota_exceeded',
] as const;
export type PublishRefusal = (typeof PUBLISH_REFUSALS)[number];

export const SUBSCRIBE_REFUSALS = ['sys_topic', 'topic_too_deep', 'foreign_topic', 'devices_tree', 'wildcard_root', 'technicians_tree'] as const;
export type SubscribeRefusal = (typeof SUBSCRIBE_REFUSALS)[number];

export type PublishDecision =
  { readonly allow: true; readonly channel: DeviceChannel | TechnicianChannel | null } | { readonly allow: false; readonly reason: PublishRefusal };

export type SubscribeDecision = { readonly allow: true } | { readonly allow: false; readonly reason: SubscribeRefusal };

export const DEVICES_PREFIX = 'devices/';
export const TECHNICIANS_PREFIX = 'technicians/';
export const STATUS_VALUES = ['online', 'offline'] as const;

/** Device ids are used as topic levels, so they may not contain `/`, `+`, `#` or NUL. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;

export function commandsTopic(deviceId: string): string {
  return `${DEVICES_PREFIX}${deviceId}/commands`;
}

/** Where a device answers the commands it received. */
export function commandResultsTopic(deviceId: string): string {
  return `${DEVICES_PREFIX}${deviceId}/command-results`;
}

export function statusTopic(deviceId: string): string {
  return `${DEVICES_PREFIX}${deviceId}/status`;
}

/** Levels as MQTT counts them: `a/b` has 2, `a/` has 2, `/` has 2 [MQTT-4.7.1-3]. */
export function topicLevels(topic: string): number {
  let levels = 1;
  for (let i = 0; i < topic.length; i += 1) if (topic.charCodeAt(i) === 47) levels += 1;
  return levels;
}

function isDevicesTree(topic: string): boolean {
  return topic === 'devices' || topic.startsWith(DEVICES_PREFIX);
}

function isTechniciansTree(topic: string): boolean {
  return topic === 'technicians' || topic.startsWith(TECHNICIANS_PREFIX);
}

export function technicianLocationTopic(technicianId: string): string {
  return `${TECHNICIANS_PREFIX}${technicianId}/location`;
}

export interface PublishRequest {
  readonly topic: string;
  readonly qos: number;
  readonly payload: Buffer;
  /** True for a last-will message published by the broker on the client's behalf. */
  readonly isWill: boolean;
}

export function decidePublish(principal: Principal, req: PublishRequest, maxTopicLevels: number): PublishDecision {
  const { topic } = req;
  if (topic.startsWith('$')) return { allow: false, reason: 'sys_topic' };
  if (topicLevels(topic) > maxTopicLevels) return { allow: false, reason: 'topic_too_deep' };
  if (principal.kind === 'anonymous') {
    if (isTechniciansTree(topic)) return { allow: false, reason: 'technicians_tree' };
    return isDevicesTree(topic) ? { allow: false, reason: 'devices_tree' } : { allow: true, channel: null };
  }
  if (principal.kind === 'technician') {
    if (topic !== technicianLocationTopic(principal.technicianId)) return { allow: false, reason: 'foreign_topic' };
    if (req.qos > 1) return { allow: false, reason: 'qos_not_supported' };
    if (req.isWill) return { allow: false, reason: 'will_topic' };
    return { allow: true, channel: 'location' };
  }
  const own = `${DEVICES_PREFIX}${principal.deviceId}/`;
  if (!topic.startsWith(own)) return { allow: false, reason: 'foreign_topic' };
  const channel = topic.slice(own.length);
  if (!(DEVICE_CHANNELS as readonly string[]).includes(channel)) return { allow: false, reason: 'unknown_channel' };
  const deviceChannel = channel as DeviceChannel;
  // The contract allows QoS 0 and 1 only; QoS 2 would also reach ingest again on a
  // retransmission because authorizePublish runs before aedes' QoS 2 duplicate check.
  if (req.qos > 1) return { allow: false, reason: 'qos_not_supported' };
  if (deviceChannel === 'status') {
    const value = req.payload.toString('utf8');
    if (!(STATUS_VALUES as readonly string[]).includes(value)) return { allow: false, reason: 'bad_status' };
  } else if (req.isWill) {
    // A will is published when the connection is already gone; only `status` makes sense.
    return { allow: false, reason: 'will_topic' };
  }
  return { allow: true, channel: deviceChannel };
}

export function decideSubscribe(principal: Principal, filter: string, maxTopicLevels: number): SubscribeDecision {
  if (filter.startsWith('$')) return { allow: false, reason: 'sys_topic' };
  if (topicLevels(filter) > maxTopicLevels) return { allow: false, reason: 'topic_too_deep' };
  if (principal.kind === 'device') {
    return filter === commandsTopic(principal.deviceId) ? { allow: true } : { allow: false, reason: 'foreign_topic' };
  }
  if (principal.kind === 'technician') return { allow: false, reason: 'foreign_topic' };
  if (filter.startsWith('#') || filter.startsWith('+')) return { allow: false, reason: 'wildcard_root' };
  if (isDevicesTree(filter)) return { allow: false, reason: 'devices_tree' };
  if (isTechniciansTree(filter)) return { allow: false, reason: 'technicians_tree' };
  return { allow: true };
}

/**
 * Last line of defence before a message leaves the broker: a device receives only its own
 * commands, a technician's app nothing, an anonymous client nothing from `devices/`,
 * `technicians/` or `$SYS/`.
 */
export function mayForward(principal: Principal, topic: string): boolean {
  if (principal.kind === 'device') return topic === commandsTopic(principal.deviceId);
  if (principal.kind === 'technician') return false;
  return !topic.startsWith('$') && !isDevicesTree(topic) && !isTechniciansTree(topic);
}

/** Devices API contract: provisioning, credentials and presence of the device attached to an asset. */
import { z } from 'zod';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';

/** Device ids: `d-` + 16 lowercase alphanumerics. Safe as an MQTT username and topic level (no `/ + #`). */
export const DEVICE_ID_PATTERN = /^d-[a-z0-9]{16}$/;
/** Device tokens: `tmd_` + 32 random bytes in base64url (43 characters). */
export const DEVICE_TOKEN_PATTERN = /^tmd_[A-Za-z0-9_-]{43}$/;

export const deviceIdParams = z.object({ deviceId: z.string().regex(DEVICE_ID_PATTERN, 'not a device id (d- and 16 lowercase letters or digits)') });
export const assetIdParams = z.object({ id: z.uuid() });

export const DEVICE_STATUSES = ['active', 'revoked'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

export const mqttAccessSchema = z.object({
  username: z.string().describe('MQTT username (= device id); the password is the device token'),
  clientId: z.string().describe('Recommended MQTT client id (= device id)'),
  topics: z.object({
    telemetry: z.string().describe('Publish readings here'),
    events: z.string().describe('Publish controller events here'),
    status: z.string().describe('Publish online/offline here (retained; use it as the last will)'),
    commands: z.string().describe('Subscribe here for platform commands'),
  }),
});
export type MqttAccess = z.infer<typeof mqttAccessSchema>;

export const deviceSchema = z.object({
  deviceId: z.string(),
  assetId: z.uuid(),
  status: z.enum(DEVICE_STATUSES),
  online: z.boolean(),
  lastSeenAt: z.iso.datetime().nullable(),
  connectedAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  rotatedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
  mqtt: mqttAccessSchema,
});
export type Device = z.infer<typeof deviceSchema>;

export const deviceCredentialsSchema = deviceSchema.extend({
  token: z.string().describe('The device token (MQTT password). Shown only in this response: store it on the device now.'),
});
export type DeviceCredentials = z.infer<typeof deviceCredentialsSchema>;

export const DEVICE_SORTS = ['createdAt'] as const;

export const listDevicesQuery = z.strictObject({
  ...pageQueryShape,
  sort: sortQuery(DEVICE_SORTS, '-createdAt'),
  assetId: z.uuid().optional(),
  status: z.enum(DEVICE_STATUSES).optional(),
  online: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});
export type ListDevices = z.infer<typeof listDevicesQuery>;

export const devicePage = pageSchema(deviceSchema);

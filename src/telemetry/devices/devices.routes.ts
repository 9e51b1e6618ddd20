/**
 * Device provisioning under /api/v1: thin handlers over DevicesService. Responses carrying a
 * token are marked `Cache-Control: no-store`: the token is shown once and must not be cached.
 */
import type { ZodApp } from '../../kernel/http/http.types.js';
import type { DevicesService } from './devices.service.js';
import { assetIdParams, deviceCredentialsSchema, deviceIdParams, devicePage, deviceSchema, listDevicesQuery } from './devices.schemas.js';

/** Provisioning, rotation and revocation hand out or kill device tokens: back office only. */
const manage = { roles: ['admin', 'dispatcher'] } as const;
/** Device status and presence (no token): staff; never customers. */
const read = { roles: ['admin', 'dispatcher', 'technician', 'agent'] } as const;
const tags = ['devices'];

export async function devicesRoutes(app: ZodApp, { devices }: { devices: DevicesService }): Promise<void> {
  app.post(
    '/assets/:id/device',
    {
      // The response carries the device token: never stored for Idempotency-Key replays.
      config: { ...manage, idempotency: false },
      schema: {
        tags,
        summary: "Provision the asset's device",
        description:
          'Creates the device and its token. The token is returned once and only its hash is stored. ' +
          'Fails with 409 when the asset already has an active device: rotate or revoke it instead.',
        params: assetIdParams,
        response: { 201: deviceCredentialsSchema },
      },
    },
    async (request, reply) => {
      const credentials = await devices.provision(request.params.id);
      return reply.status(201).header('cache-control', 'no-store').header('location', `/api/v1/devices/${credentials.deviceId}`).send(credentials);
    },
  );

  app.get(
    '/assets/:id/device',
    {
      config: read,
      schema: {
        tags,
        summary: "The asset's device",
        description: 'The active device, else the most recent revoked one.',
        params: assetIdParams,
        response: { 200: deviceSchema },
      },
    },
    async (request) => devices.getForAsset(request.params.id),
  );

  app.get(
    '/devices',
    { config: read, schema: { tags, summary: 'List devices', querystring: listDevicesQuery, response: { 200: devicePage } } },
    async (request) => devices.list(request.query),
  );

  app.get(
    '/devices/:deviceId',
    { config: read, schema: { tags, summary: 'Read a device (status and presence)', params: deviceIdParams, response: { 200: deviceSchema } } },
    async (request) => devices.get(request.params.deviceId),
  );

  app.post(
    '/devices/:deviceId/rotate',
    {
      // The response carries the device token: never stored for Idempotency-Key replays.
      config: { ...manage, idempotency: false },
      schema: {
        tags,
        summary: "Rotate the device's token",
        description: 'Returns a new token once; the old token stops working and live sessions are disconnected.',
        params: deviceIdParams,
        response: { 200: deviceCredentialsSchema },
      },
    },
    async (request, reply) => {
      const credentials = await devices.rotate(request.params.deviceId);
      return reply.header('cache-control', 'no-store').send(credentials);
    },
  );

  app.post(
    '/devices/:deviceId/revoke',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Revoke the device',
        description: 'The device can no longer connect and its live sessions are disconnected. Idempotent.',
        params: deviceIdParams,
        response: { 200: deviceSchema },
      },
    },
    async (request) => devices.revoke(request.params.deviceId),
  );
}

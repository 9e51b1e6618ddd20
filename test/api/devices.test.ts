import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedAsset, startApi, type TestApi } from './api-fixture.js';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const tag = () => randomUUID().slice(0, 8);
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

async function provision(assetId: string) {
  const reply = await api.call('POST', `/api/v1/assets/${assetId}/device`);
  expect(reply.status).toBe(201);
  return reply;
}

async function deviceRowText(deviceId: string): Promise<string> {
  const { rows } = await api.db.query<{ row: string }>('SELECT row_to_json(d)::text AS row FROM devices d WHERE id = $1', [deviceId]);
  return rows[0]!.row;
}

describe('provisioning', () => {
  test('returns the token once; authenticate() accepts it; the database holds only its hash', async () => {
    const seeded = await seedAsset(api, tag());
    const reply = await provision(seeded.assetId);
    const { deviceId, token } = reply.body;
    expect(deviceId).toMatch(/^d-[a-z0-9]{16}$/);
    expect(token).toMatch(/^tmd_[A-Za-z0-9_-]{43}$/);
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.body).toMatchObject({
      assetId: seeded.assetId,
      status: 'active',
      online: false,
      mqtt: {
        username: deviceId,
        topics: {
          telemetry: `devices/${deviceId}/telemetry`,
          events: `devices/${deviceId}/events`,
          status: `devices/${deviceId}/status`,
          commands: `devices/${deviceId}/commands`,
        },
      },
    });

    expect(await api.devices.authenticate(deviceId, token)).toEqual({
      deviceId,
      assetId: seeded.assetId,
      modelId: 'chiller-x',
      siteId: seeded.siteId,
      customerId: seeded.customerId,
    });

    const row = await deviceRowText(deviceId);
    expect(row).not.toContain(token);
    expect(row).not.toContain(token.slice(4));
    expect(JSON.parse(row).token_hash).toBe(sha256(token));

    // Reads never show the token or its hash.
    for (const url of [`/api/v1/devices/${deviceId}`, `/api/v1/assets/${seeded.assetId}/device`, `/api/v1/devices?assetId=${seeded.assetId}`]) {
      const read = await api.call('GET', url);
      expect(read.status).toBe(200);
      const text = JSON.stringify(read.body);
      expect(text).toContain(deviceId);
      expect(text).not.toContain(token);
      expect(text).not.toContain(sha256(token));
      expect(text).not.toMatch(/token/i);
    }
  });

  test('a second provisioning is a conflict that points to rotation; unknown and malformed assets are refused', async () => {
    const { assetId } = await seedAsset(api, tag());
    const first = await provision(assetId);
    const again = await api.call('POST', `/api/v1/assets/${assetId}/device`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CONFLICT');
    expect(again.body.detail).toMatch(/rotate/);
    expect(again.body.deviceId).toBe(first.body.deviceId);

    expect((await api.call('POST', `/api/v1/assets/${randomUUID()}/device`)).status).toBe(404);
    const bad = await api.call('POST', '/api/v1/assets/123/device');
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f: { field: string }) => f.field)).toEqual(['params.id']);
    expect((await api.call('GET', `/api/v1/assets/${randomUUID()}/device`)).status).toBe(404);
    expect((await api.call('GET', '/api/v1/devices/d-0000000000000000')).status).toBe(404);
    expect((await api.call('GET', '/api/v1/devices/devices%2F%2B')).status).toBe(400);
  });

  test('concurrent provisioning of one asset creates exactly one device', async () => {
    const { assetId } = await seedAsset(api, tag());
    const replies = await Promise.all([1, 2, 3].map(() => api.call('POST', `/api/v1/assets/${assetId}/device`)));
    expect(replies.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    const { rows } = await api.db.query('SELECT id FROM devices WHERE asset_id = $1', [assetId]);
    expect(rows).toHaveLength(1);
  });

  test('authenticate() refuses unknown ids, wrong and malformed tokens', async () => {
    const { assetId } = await seedAsset(api, tag());
    const { deviceId, token } = (await provision(assetId)).body;
    const other = `tmd_${Buffer.alloc(32, 7).toString('base64url')}`;
    expect(await api.devices.authenticate(deviceId, other)).toBeNull();
    expect(await api.devices.authenticate('d-zzzzzzzzzzzzzzzz', token)).toBeNull();
    expect(await api.devices.authenticate(deviceId, token.slice(0, -1))).toBeNull();
    expect(await api.devices.authenticate(deviceId, '')).toBeNull();
    expect(await api.devices.authenticate(`${deviceId}/+`, token)).toBeNull();
    expect(await api.devices.authenticate(deviceId, token)).not.toBeNull();
  });
});

describe('rotation and revocation', () => {
  test('rotate returns a new token, the old one stops working, listeners hear of it', async () => {
    const { assetId } = await seedAsset(api, tag());
    const { deviceId, token: oldToken } = (await provision(assetId)).body;
    const heard: string[] = [];
    const unsubscribe = api.devices.onRevoked((id) => heard.push(id));
    try {
      const rotated = await api.call('POST', `/api/v1/devices/${deviceId}/rotate`);
      expect(rotated.status).toBe(200);
      expect(rotated.headers['cache-control']).toBe('no-store');
      expect(rotated.body.deviceId).toBe(deviceId);
      expect(rotated.body.token).not.toBe(oldToken);
      expect(rotated.body.rotatedAt).toEqual(expect.any(String));
      expect(heard).toEqual([deviceId]);
      expect(await api.devices.authenticate(deviceId, oldToken)).toBeNull();
      expect(await api.devices.authenticate(deviceId, rotated.body.token)).toMatchObject({ deviceId, assetId });
      expect(await deviceRowText(deviceId)).not.toContain(rotated.body.token);
    } finally {
      unsubscribe();
    }
    await api.call('POST', `/api/v1/devices/${deviceId}/rotate`);
    expect(heard).toEqual([deviceId]); // unsubscribed
  });

  test('revoke: authenticate returns null, listeners fire once, rotation refused, a new device can be provisioned', async () => {
    const { assetId } = await seedAsset(api, tag());
    const { deviceId, token } = (await provision(assetId)).body;
    const heard: string[] = [];
    const unsubscribe = api.devices.onRevoked((id) => heard.push(id));
    const throwing = api.devices.onRevoked(() => {
      throw new Error('a broken listener must not break revocation');
    });
    try {
      const revoked = await api.call('POST', `/api/v1/devices/${deviceId}/revoke`);
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ deviceId, status: 'revoked', revokedAt: expect.any(String) });
      expect(heard).toEqual([deviceId]);
      expect(await api.devices.authenticate(deviceId, token)).toBeNull();

      expect((await api.call('POST', `/api/v1/devices/${deviceId}/revoke`)).status).toBe(200);
      expect(heard).toEqual([deviceId]);
      const rotate = await api.call('POST', `/api/v1/devices/${deviceId}/rotate`);
      expect(rotate.status).toBe(409);

      const asset = await api.call('GET', `/api/v1/assets/${assetId}/device`);
      expect(asset.body).toMatchObject({ deviceId, status: 'revoked' });
      const replacement = await provision(assetId);
      expect(replacement.body.deviceId).not.toBe(deviceId);
      expect((await api.call('GET', `/api/v1/assets/${assetId}/device`)).body).toMatchObject({ deviceId: replacement.body.deviceId, status: 'active' });
      expect(await api.devices.authenticate(replacement.body.deviceId, replacement.body.token)).toMatchObject({ assetId });
    } finally {
      unsubscribe();
      throwing();
    }
  });
});

describe('presence and listing', () => {
  test('connected, seen and disconnected update the device; stale disconnects are ignored', async () => {
    const { assetId } = await seedAsset(api, tag());
    const { deviceId } = (await provision(assetId)).body;
    const t0 = new Date('2030-01-01T10:00:00.000Z');
    await api.devices.connected(deviceId, t0);
    let device = (await api.call('GET', `/api/v1/devices/${deviceId}`)).body;
    expect(device).toMatchObject({ online: true, connectedAt: t0.toISOString(), lastSeenAt: t0.toISOString() });

    await api.devices.seen(
      new Map([
        [deviceId, new Date('2030-01-01T10:05:00.000Z')],
        ['d-unknown000000000', new Date()],
      ]),
    );
    await api.devices.seen(new Map([[deviceId, new Date('2030-01-01T10:01:00.000Z')]])); // never moves back
    device = (await api.call('GET', `/api/v1/devices/${deviceId}`)).body;
    expect(device.lastSeenAt).toBe('2030-01-01T10:05:00.000Z');

    await api.devices.disconnected(deviceId, new Date('2030-01-01T09:59:00.000Z')); // older session
    expect((await api.call('GET', `/api/v1/devices/${deviceId}`)).body.online).toBe(true);
    await api.devices.disconnected(deviceId, new Date('2030-01-01T10:06:00.000Z'));
    device = (await api.call('GET', `/api/v1/devices/${deviceId}`)).body;
    expect(device).toMatchObject({ online: false, lastSeenAt: '2030-01-01T10:06:00.000Z' });
  });

  test('list filters by asset, status and online, and pages', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { assetId } = await seedAsset(api, tag(), i % 2 ? 'pump-y' : 'chiller-x');
      ids.push((await provision(assetId)).body.deviceId);
    }
    await api.devices.connected(ids[1]!, new Date());
    await api.devices.connected(ids[3]!, new Date());
    await api.call('POST', `/api/v1/devices/${ids[3]}/revoke`);

    const online = await api.call('GET', '/api/v1/devices?online=true&status=active');
    expect(online.body.items.map((d: { deviceId: string }) => d.deviceId)).toContain(ids[1]);
    expect(online.body.items.every((d: { online: boolean; status: string }) => d.online && d.status === 'active')).toBe(true);
    const revoked = await api.call('GET', '/api/v1/devices?status=revoked');
    expect(revoked.body.items.map((d: { deviceId: string }) => d.deviceId)).toContain(ids[3]);
    expect(revoked.body.items.every((d: { status: string }) => d.status === 'revoked')).toBe(true);
    const offline = await api.call('GET', '/api/v1/devices?online=false');
    expect(offline.body.items.map((d: { deviceId: string }) => d.deviceId)).not.toContain(ids[1]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { deviceId: string }[]; nextCursor: string | null } } = await api.call(
        'GET',
        `/api/v1/devices?limit=3&sort=createdAt${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((d) => d.deviceId));
      cursor = page.body.nextCursor;
    } while (cursor);
    const { rows } = await api.db.query<{ id: string }>('SELECT id FROM devices ORDER BY created_at, id');
    expect(seen).toEqual(rows.map((r) => r.id));
    expect(seen).toEqual(expect.arrayContaining(ids));

    const bad = await api.call('GET', '/api/v1/devices?online=maybe&status=lost');
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(['querystring.online', 'querystring.status']);
  });
});

/**
 * The customer portal's server side: requests land on channel `portal` with photos, notes reach
 * staff, and every read is the caller's own customer's (another customer's record is 404).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCustomer, startServiceApi, type ServiceApi } from '../service/service-fixture.js';

let api: ServiceApi;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'telemend-portal-'));
  api = await startServiceApi('2025-03-10T08:00:00.000Z', { DATA_DIR: dataDir });
});
afterAll(async () => {
  await api?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function world() {
  const mine = await seedCustomer(api, 2);
  const theirs = await seedCustomer(api, 1);
  const customer = await api.user('customer', { customerId: mine.customerId });
  const stranger = await api.user('customer', { customerId: theirs.customerId });
  return { mine, theirs, customer, stranger };
}

async function uploadPhoto(ticketId: string, auth: { authorization: string }) {
  const data = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 10, g: 120, b: 200 } } })
    .jpeg()
    .toBuffer();
  const boundary = `----portal-${randomUUID()}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="leak.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const response = await api.app.inject({
    method: 'POST',
    url: `/api/v1/tickets/${ticketId}/attachments`,
    payload,
    headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  return { status: response.statusCode, body: response.json() };
}

describe('portal requests', () => {
  it('land on channel portal whatever the request says, with photos; other customers’ assets are 404; "other" needs no asset', async () => {
    const { mine, theirs, customer } = await world();
    const raised = await api.call(
      'POST',
      '/api/v1/tickets',
      { channel: 'phone', type: 'breakdown', title: 'Water on the floor', assetId: mine.assetIds[1] },
      customer.auth,
    );
    expect(raised.status).toBe(201);
    expect(raised.body).toMatchObject({ channel: 'portal', customerId: mine.customerId, siteId: mine.siteId, assetId: mine.assetIds[1] });
    const photo = await uploadPhoto(raised.body.id, customer.auth);
    expect(photo.status).toBe(201);
    const listed = await api.call('GET', `/api/v1/tickets/${raised.body.id}/attachments`);
    expect(listed.body.items.map((a: { id: string }) => a.id)).toEqual([photo.body.id]);

    const other = await api.call('POST', '/api/v1/tickets', { channel: 'portal', type: 'question', title: 'Something else' }, customer.auth);
    expect(other.body).toMatchObject({ channel: 'portal', customerId: mine.customerId, assetId: null, siteId: null });
    const foreignAsset = await api.call(
      'POST',
      '/api/v1/tickets',
      { channel: 'portal', type: 'breakdown', title: 'x', assetId: theirs.assetIds[0] },
      customer.auth,
    );
    expect(foreignAsset.status).toBe(404);
    const foreignSite = await api.call('POST', '/api/v1/tickets', { channel: 'portal', type: 'breakdown', title: 'x', siteId: theirs.siteId }, customer.auth);
    expect(foreignSite.status).toBe(404);
    // Staff keep naming their channel.
    const staff = await api.call('POST', '/api/v1/tickets', { channel: 'phone', type: 'question', title: 'Call', customerId: mine.customerId });
    expect(staff.body.channel).toBe('phone');
  });

  it('a customer note on its ticket is an activity staff see; on another customer’s ticket it is 404', async () => {
    const { mine, customer, stranger } = await world();
    const ticket = await api.call(
      'POST',
      '/api/v1/tickets',
      { channel: 'portal', type: 'breakdown', title: 'Noisy', assetId: mine.assetIds[0] },
      customer.auth,
    );
    const note = await api.call(
      'POST',
      `/api/v1/portal/tickets/${ticket.body.id}/notes`,
      { text: 'The noise is loudest at night.\nGate code 1234.' },
      customer.auth,
    );
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ text: 'The noise is loudest at night.\nGate code 1234.', authorName: 'A' });
    const staffView = await api.call('GET', `/api/v1/activities?ticketId=${ticket.body.id}`);
    expect(staffView.status).toBe(200);
    expect(staffView.body.items).toEqual([
      expect.objectContaining({ kind: 'note', direction: 'inbound', body: 'The noise is loudest at night.\nGate code 1234.', ticketId: ticket.body.id }),
    ]);
    expect((await api.call('GET', `/api/v1/portal/tickets/${ticket.body.id}/notes`, undefined, customer.auth)).body.items).toHaveLength(1);
    expect((await api.call('POST', `/api/v1/portal/tickets/${ticket.body.id}/notes`, { text: 'mine now' }, stranger.auth)).status).toBe(404);
    expect((await api.call('GET', `/api/v1/portal/tickets/${ticket.body.id}/notes`, undefined, stranger.auth)).status).toBe(404);
  });
});

describe('portal reads', () => {
  it("visits show the window, the live ETA and only the technician's first name; another customer's ticket is 404", async () => {
    const { mine, customer, stranger } = await world();
    const ticket = await api.call('POST', '/api/v1/tickets', { channel: 'portal', type: 'breakdown', title: 'Cold', assetId: mine.assetIds[0] }, customer.auth);
    const technician = await api.user('technician');
    await api.db.query(`UPDATE users SET name = 'Tina Maria Tech' WHERE id = $1`, [technician.id]);
    const visit = await api.call('POST', `/api/v1/tickets/${ticket.body.id}/visits`, {
      technicianId: technician.id,
      plannedStart: '2025-03-11T09:00:00.000Z',
      plannedEnd: '2025-03-11T11:00:00.000Z',
    });
    expect(visit.status).toBe(201);
    await api.db.query(`UPDATE visits SET en_route_at = '2025-03-11T08:30:00Z', eta_at = '2025-03-11T09:05:00Z' WHERE id = $1`, [visit.body.id]);
    const seen = await api.call('GET', `/api/v1/portal/tickets/${ticket.body.id}/visits`, undefined, customer.auth);
    expect(seen.body.items).toEqual([
      expect.objectContaining({
        id: visit.body.id,
        status: 'planned',
        plannedStart: '2025-03-11T09:00:00.000Z',
        etaAt: '2025-03-11T09:05:00.000Z',
        technicianFirstName: 'Tina',
      }),
    ]);
    expect(JSON.stringify(seen.body)).not.toContain('Tech');
    expect(JSON.stringify(seen.body)).not.toContain(technician.id);
    expect((await api.call('GET', `/api/v1/portal/tickets/${ticket.body.id}/visits`, undefined, stranger.auth)).status).toBe(404);
  });

  it('sites, equipment with its state, and contacts are only the own customer’s', async () => {
    const { mine, theirs, customer } = await world();
    await api.db.query(`INSERT INTO devices (id, asset_id, status, online, token_hash) VALUES ($1, $2, 'active', true, 'x')`, [
      `dev-${randomUUID()}`,
      mine.assetIds[0],
    ]);
    await api.db.query(
      `INSERT INTO alarms (asset_id, model_id, rule_id, kind, state, first_seen_at, last_seen_at, evidence) VALUES ($1, 'chiller-x', 'r1', 'threshold', 'active', now(), now(), '{}')`,
      [mine.assetIds[0]],
    );
    const sites = await api.call('GET', '/api/v1/portal/sites', undefined, customer.auth);
    expect(sites.body.items.map((s: { id: string }) => s.id)).toEqual([mine.siteId]);
    const assets = await api.call('GET', '/api/v1/portal/assets', undefined, customer.auth);
    expect(assets.body.items.map((a: { id: string }) => a.id).sort()).toEqual([...mine.assetIds].sort());
    const byId = new Map(assets.body.items.map((a: { id: string }) => [a.id, a]));
    expect(byId.get(mine.assetIds[0])).toMatchObject({ state: 'online', openAlarms: 1 });
    expect(byId.get(mine.assetIds[1])).toMatchObject({ state: 'not_connected', openAlarms: 0 });
    expect(JSON.stringify(assets.body)).not.toContain(theirs.assetIds[0]);

    const primary = await api.call('POST', '/api/v1/contacts', {
      customerId: mine.customerId,
      name: 'Paula Primary',
      emails: [{ address: 'paula@kunde.test' }],
      isPrimary: true,
    });
    const foreign = await api.call('POST', '/api/v1/contacts', {
      customerId: theirs.customerId,
      name: 'Felix Foreign',
      emails: [{ address: 'felix@other.test' }],
    });
    const contacts = await api.call('GET', '/api/v1/portal/contacts', undefined, customer.auth);
    expect(contacts.body.items).toEqual([
      expect.objectContaining({ id: primary.body.id, emails: ['paula@kunde.test'], notifications: { enabled: true, events: [], explicit: false } }),
    ]);
    const put = (id: string, body: unknown) =>
      api.app.inject({ method: 'PUT', url: `/api/v1/portal/contacts/${id}/notifications`, payload: body as object, headers: customer.auth });
    const changed = await put(primary.body.id, { enabled: true, events: ['visit.scheduled'] }).then((r) => ({ status: r.statusCode, body: r.json() }));
    expect(changed.status).toBe(200);
    expect(changed.body.notifications).toEqual({ enabled: true, events: ['visit.scheduled'], explicit: true });
    const stored = await api.call('GET', `/api/v1/contacts/${primary.body.id}/notification-preferences`);
    expect(stored.body).toMatchObject({ enabled: true, events: ['visit.scheduled'], channels: ['email'] });
    expect((await put(foreign.body.id, { enabled: false, events: [] })).statusCode).toBe(404);
    expect((await api.call('GET', '/api/v1/portal/assets')).status).toBe(403);
  });
});

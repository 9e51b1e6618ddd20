/**
 * A visit's checklist: from its maintenance plan (items may require a note or a photo) or from its
 * fault's actions; ticked by the visit's technician (idempotent); closing as fixed with a required
 * item unmet is refused naming the items.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServiceApi, type ServiceApi } from '../service/service-fixture.js';
import { fieldTicket, fieldVisit, fieldWorld, type FieldWorld } from './field-fixture.js';

let api: ServiceApi;
let world: FieldWorld;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'telemend-checklist-'));
  api = await startServiceApi('2025-03-10T07:30:00.000Z', { DATA_DIR: dataDir });
  world = await fieldWorld(api);
});
afterAll(async () => {
  await api?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const as = (extra: Record<string, string> = {}) => ({ ...world.technician.auth, ...extra });

/** A preventive visit: a plan with a mixed checklist, and an occurrence linking it to the ticket. */
async function preventiveVisit(start: string) {
  const contract = await api.call('POST', '/api/v1/contracts', {
    name: 'Service',
    customerId: world.customerId,
    startsOn: '2025-01-01',
    assetIds: [world.assetId],
  });
  expect(contract.status, JSON.stringify(contract.body)).toBe(201);
  const plan = await api.call('POST', `/api/v1/contracts/${contract.body.id}/maintenance-plans`, {
    name: 'Quarterly service',
    intervalMonths: 3,
    assetId: world.assetId,
    checklist: ['Clean the condenser', { text: 'Measure the vibration', requires: 'photo' }, { text: 'Check the refrigerant charge', requires: 'note' }],
  });
  expect(plan.status, JSON.stringify(plan.body)).toBe(201);
  expect(plan.body.checklist[1]).toEqual({ text: 'Measure the vibration', requires: 'photo' });
  const bad = await api.call('POST', `/api/v1/contracts/${contract.body.id}/maintenance-plans`, {
    name: 'Bad',
    intervalMonths: 3,
    checklist: [{ text: 'x', requires: 'video' }],
  });
  expect(bad.status).toBe(400);
  const ticket = await fieldTicket(api, world, { type: 'maintenance' });
  await api.db.query(
    `INSERT INTO maintenance_occurrences (plan_id, asset_id, seq, due_key, due_at, basis, ticket_id, created_at)
     VALUES ($1, $2, 1, $3, now(), 'calendar', $4, now())`,
    [plan.body.id, world.assetId, `n-${randomUUID()}`, ticket.id],
  );
  return { ticket, visit: await fieldVisit(api, world, ticket.id, start) };
}

async function photo(visitId: string): Promise<string> {
  const data = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 10, g: 200, b: 30 } } })
    .jpeg()
    .toBuffer();
  const boundary = `----telemend-${randomUUID()}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="vibration.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const response = await api.app.inject({
    method: 'POST',
    url: `/api/v1/visits/${visitId}/attachments`,
    payload,
    headers: { ...world.technician.auth, 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id;
}

const close = (visitId: string) =>
  api.call(
    'POST',
    `/api/v1/visits/${visitId}/close`,
    {
      outcome: 'fixed',
      resolutionNotes: 'Serviced',
      actualStart: '2025-03-10T07:00:00Z',
      actualEnd: '2025-03-10T07:20:00Z',
      acceptance: { name: 'Mr Roth', confirmation: 'All good' },
    },
    as(),
  );

describe('visit checklists', () => {
  test('from the maintenance plan: required items with a note or photo gate closing as fixed', async () => {
    const { visit } = await preventiveVisit('2025-03-10T08:00:00Z');
    const read = await api.call('GET', `/api/v1/visits/${visit.id}/checklist`, undefined, as());
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ visitId: visit.id, source: 'plan', complete: false });
    expect(read.body.items.map((i: { text: string; requires: string | null; required: boolean }) => [i.text, i.requires, i.required])).toEqual([
      ['Clean the condenser', null, true],
      ['Measure the vibration', 'photo', true],
      ['Check the refrigerant charge', 'note', true],
    ]);
    const [clean, vibration, charge] = read.body.items as { id: string }[];
    const item = (i: { id: string }) => `/api/v1/visits/${visit.id}/checklist/${i.id}`;

    // Nothing ticked: closing as fixed names every item.
    const refused = await close(visit.id);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('"Clean the condenser"');
    expect(refused.body.checklist.map((i: { text: string }) => i.text)).toEqual([
      'Clean the condenser',
      'Measure the vibration',
      'Check the refrigerant charge',
    ]);

    // Ticked, idempotent with a key; a replay is answered once.
    const key = randomUUID();
    const ticked = await api.call('PUT', item(clean!), { done: true }, as({ 'idempotency-key': key }));
    expect(ticked.status).toBe(200);
    expect(ticked.body.items[0]).toMatchObject({ done: true, updatedAt: '2025-03-10T07:30:00.000Z' });
    api.clock.advance(60_000);
    const replay = await api.call('PUT', item(clean!), { done: true }, as({ 'idempotency-key': key }));
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.items[0].updatedAt).toBe('2025-03-10T07:30:00.000Z');

    // Ticked without the photo and the note: still refused, naming what is missing.
    await api.call('PUT', item(vibration!), { done: true }, as());
    await api.call('PUT', item(charge!), { done: true }, as());
    const missing = await close(visit.id);
    expect(missing.status).toBe(409);
    expect(missing.body.detail).toBe('The checklist is not complete: "Measure the vibration" (needs a photo), "Check the refrigerant charge" (needs a note)');

    // Only the visit's technician (or the office), only attachments of this visit, only known items.
    const other = await api.user('technician');
    expect((await api.call('PUT', item(charge!), { done: true, note: 'x' }, other.auth)).status).toBe(403);
    expect((await api.call('PUT', `/api/v1/visits/${visit.id}/checklist/nope`, { done: true }, as())).status).toBe(404);
    expect((await api.call('PUT', item(vibration!), { done: true, attachmentId: randomUUID() }, as())).status).toBe(400);

    const photoId = await photo(visit.id);
    expect((await api.call('PUT', item(vibration!), { done: true, attachmentId: photoId }, as())).status).toBe(200);
    const noted = await api.call('PUT', item(charge!), { done: true, note: '4.2 kg, as specified' }, as());
    expect(noted.body.complete).toBe(true);
    expect(noted.body.items[1]).toMatchObject({ attachmentId: photoId });

    const closed = await close(visit.id);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    // A closed visit's checklist stays as it was.
    expect((await api.call('PUT', item(clean!), { done: false }, as())).status).toBe(409);
  });

  test("from the fault's actions: guidance only, closing is not held up", async () => {
    const ticket = await fieldTicket(api, world, { faultCode: 'F1' });
    const visit = await fieldVisit(api, world, ticket.id, '2025-03-10T10:00:00Z');
    const read = await api.call('GET', `/api/v1/visits/${visit.id}/checklist`, undefined, as());
    expect(read.body).toMatchObject({ source: 'fault', complete: true, items: [{ text: 'replace it', required: false, done: false }] });
    expect((await close(visit.id)).status).toBe(200);
  });
});

/**
 * Offline replay safety of the technician app's visit actions: an Idempotency-Key makes a
 * replayed action apply once (PATCH and PUT included), If-Match with the visit's version refuses
 * an action on a visit the office changed meanwhile (412 with the current visit), and a signature
 * on a closed visit is refused (409).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServiceApi, type ServiceApi } from '../service/service-fixture.js';
import { fieldTicket, fieldVisit, fieldWorld, type FieldWorld } from './field-fixture.js';

let api: ServiceApi;
let world: FieldWorld;
const SIGNATURE = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

beforeAll(async () => {
  api = await startServiceApi('2025-03-10T07:30:00.000Z');
  world = await fieldWorld(api);
});
afterAll(async () => {
  await api?.close();
});

let hour = 8;
/** A fresh visit today, each in its own hour. */
async function visit() {
  const ticket = await fieldTicket(api, world);
  return fieldVisit(api, world, ticket.id, `2025-03-1${hour > 15 ? 1 : 0}T${String(8 + (hour++ % 8)).padStart(2, '0')}:00:00Z`);
}
const as = (extra: Record<string, string> = {}) => ({ ...world.technician.auth, ...extra });

describe('Idempotency-Key on the visit actions', () => {
  test('arrival (PATCH) replayed applies once and answers the first response', async () => {
    const { id, etag } = await visit();
    const key = randomUUID();
    const body = { actualStart: '2025-03-10T08:05:00Z' };
    const first = await api.call('PATCH', `/api/v1/visits/${id}`, body, as({ 'idempotency-key': key, 'if-match': etag }));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'in_progress', version: 2 });
    const replay = await api.call('PATCH', `/api/v1/visits/${id}`, body, as({ 'idempotency-key': key, 'if-match': etag }));
    expect(replay.status).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect((await api.call('GET', `/api/v1/visits/${id}`)).body.version).toBe(2);
  });

  test('labour, a part, a location and an en-route replayed apply once', async () => {
    const { id } = await visit();
    for (let i = 0; i < 2; i++) {
      const key = `labour-${id}`;
      expect((await api.call('POST', `/api/v1/visits/${id}/labour`, { minutes: 30 }, as({ 'idempotency-key': key }))).status).toBe(201);
      expect((await api.call('POST', `/api/v1/visits/${id}/parts`, { sku: 'FILTER-1', quantity: 1 }, as({ 'idempotency-key': `part-${id}` }))).status).toBe(
        201,
      );
      const location = await api.call(
        'POST',
        `/api/v1/technicians/${world.technician.id}/location`,
        { lat: 48.1, lon: 11.5, at: '2025-03-10T07:29:00Z' },
        as({ 'idempotency-key': `loc-${id}` }),
      );
      expect(location.status).toBe(200);
    }
    const read = await api.call('GET', `/api/v1/visits/${id}`);
    expect(read.body.labour).toHaveLength(1);
    expect(read.body.parts).toHaveLength(1);
    const { rows } = await api.db.query('SELECT 1 FROM technician_locations WHERE technician_id = $1', [world.technician.id]);
    expect(rows.length).toBe(1);
  });
});

describe('If-Match with the visit version', () => {
  test('the office moved the visit meanwhile: the queued action gets 412 with the current visit, nothing applied', async () => {
    const { id, etag } = await visit();
    const moved = await api.call('PATCH', `/api/v1/visits/${id}`, { plannedStart: '2025-03-12T12:00:00Z', plannedEnd: '2025-03-12T13:00:00Z' });
    expect(moved.status).toBe(200);
    const stale = await api.call('POST', `/api/v1/visits/${id}/labour`, { minutes: 20 }, as({ 'if-match': etag, 'idempotency-key': randomUUID() }));
    expect(stale.status).toBe(412);
    expect(stale.headers['content-type']).toContain('application/problem+json');
    expect(stale.body).toMatchObject({
      code: 'PRECONDITION_FAILED',
      currentVersion: 2,
      current: { id, version: 2, plannedStart: '2025-03-12T12:00:00.000Z', labour: [] },
    });
    expect((await api.call('GET', `/api/v1/visits/${id}`)).body.labour).toEqual([]);

    // Taken on the current version, it applies and answers the next version to send.
    const fresh = await api.call('POST', `/api/v1/visits/${id}/labour`, { minutes: 20 }, as({ 'if-match': moved.headers.etag as string }));
    expect(fresh.status).toBe(201);
    expect(fresh.headers['visit-etag']).toBe('"3"');
    const enRoute = await api.call('POST', `/api/v1/visits/${id}/en-route`, { lat: 48.1, lon: 11.5 }, as({ 'if-match': '"3"' }));
    expect(enRoute.status, JSON.stringify(enRoute.body)).toBe(200);
    expect(enRoute.headers['visit-etag']).toBe('"4"');
  });

  test('cancelled or handed over meanwhile: arrival and en route are refused with the current visit', async () => {
    const a = await visit();
    await api.call('PATCH', `/api/v1/visits/${a.id}`, { status: 'cancelled' });
    const arrival = await api.call('PATCH', `/api/v1/visits/${a.id}`, { actualStart: '2025-03-10T09:00:00Z' }, as({ 'if-match': a.etag }));
    expect(arrival.status).toBe(412);
    expect(arrival.body.current).toMatchObject({ id: a.id, status: 'cancelled' });

    const b = await visit();
    const colleague = await api.user('technician');
    expect((await api.call('PATCH', `/api/v1/visits/${b.id}`, { technicianId: colleague.id })).status).toBe(200);
    const enRoute = await api.call('POST', `/api/v1/visits/${b.id}/en-route`, {}, { ...colleague.auth, 'if-match': b.etag });
    expect(enRoute.status).toBe(412);
    expect(enRoute.body.current).toMatchObject({ technicianId: colleague.id });
  });

  test('the problem shows a technician no price', async () => {
    const { id, etag } = await visit();
    await api.call('POST', `/api/v1/visits/${id}/parts`, { sku: 'VALVE-1', quantity: 1, unitPrice: 12.5 });
    const stale = await api.call('POST', `/api/v1/visits/${id}/labour`, { minutes: 5 }, as({ 'if-match': etag }));
    expect(stale.status).toBe(412);
    expect(stale.body.current.parts).toEqual([expect.objectContaining({ sku: 'VALVE-1' })]);
    expect(JSON.stringify(stale.body)).not.toContain('unitPrice');
  });
});

describe('acceptance of a closed visit', () => {
  test('a signature after closing is refused with a clear 409, the recorded acceptance stays', async () => {
    const { id } = await visit();
    const closed = await api.call(
      'POST',
      `/api/v1/visits/${id}/close`,
      {
        outcome: 'not_fixed',
        resolutionNotes: 'Needs a new compressor',
        actualStart: '2025-03-10T07:00:00Z',
        actualEnd: '2025-03-10T07:25:00Z',
        acceptance: { name: 'Ms Meyer', confirmation: 'Work done, thanks' },
      },
      as(),
    );
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    const late = await api.call('POST', `/api/v1/visits/${id}/acceptance`, { name: 'Someone else', signature: SIGNATURE }, as());
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'CONFLICT', closedAt: expect.any(String) });
    expect(late.body.detail).toMatch(/was closed at .*acceptance cannot change/);
    expect((await api.call('GET', `/api/v1/visits/${id}`)).body.acceptance).toMatchObject({ name: 'Ms Meyer', signature: null });
  });
});

/** GET /assets/{id}/history: everything that happened to an asset, newest first, scoped per customer. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { seedCustomer, startServiceApi, type ServiceApi } from './service-fixture.js';

let api: ServiceApi;
beforeAll(async () => {
  api = await startServiceApi();
});
afterAll(async () => {
  await api?.close();
});

test('the timeline holds installation, device, ticket, visit and activity events in order', async () => {
  const { customerId, assetIds } = await seedCustomer(api);
  const assetId = assetIds[0]!;
  const asset = await api.call('GET', `/api/v1/assets/${assetId}`);
  expect(
    (
      await api.call(
        'PATCH',
        `/api/v1/assets/${assetId}`,
        { installDate: '2021-04-01', warrantyEnd: '2023-04-01' },
        { 'if-match': asset.headers.etag as string },
      )
    ).status,
  ).toBe(200);
  expect((await api.call('POST', `/api/v1/assets/${assetId}/device`)).status).toBe(201);
  const technician = await api.user('technician');
  const ticket = await api.call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', title: 'No cooling', customerId, assetId, priority: 'high' });
  expect(ticket.status).toBe(201);
  await api.call('POST', `/api/v1/tickets/${ticket.body.id}/assignment`, { technicianId: technician.id });
  const visit = await api.call('POST', `/api/v1/tickets/${ticket.body.id}/visits`, {
    technicianId: technician.id,
    plannedStart: '2025-03-11T08:00:00Z',
    plannedEnd: '2025-03-11T10:00:00Z',
  });
  expect(
    (await api.call('PATCH', `/api/v1/visits/${visit.body.id}`, { actualStart: '2025-03-11T08:05:00Z', actualEnd: '2025-03-11T09:00:00Z', outcome: 'fixed' }))
      .status,
  ).toBe(200);
  expect(
    (
      await api.call('POST', '/api/v1/activities', {
        kind: 'call',
        direction: 'inbound',
        subject: 'Customer reports noise',
        assetId,
        occurredAt: '2025-03-10T07:00:00Z',
      })
    ).status,
  ).toBe(201);

  const res = await api.call('GET', `/api/v1/assets/${assetId}/history`);
  expect(res.status).toBe(200);
  const kinds = (res.body.items as { kind: string }[]).map((e) => e.kind);
  for (const kind of ['installed', 'warranty_ended', 'device_provisioned', 'ticket_opened', 'visit', 'activity_call']) expect(kinds).toContain(kind);
  const times = (res.body.items as { at: string }[]).map((e) => Date.parse(e.at));
  expect([...times].sort((a, b) => b - a)).toEqual(times);
  expect(res.body.items.at(-1)).toMatchObject({ kind: 'installed', at: '2021-04-01T00:00:00.000Z' });
  const opened = res.body.items.find((e: { kind: string }) => e.kind === 'ticket_opened');
  expect(opened).toMatchObject({ ref: { type: 'ticket', id: ticket.body.id } });
  expect(opened.title).toContain(ticket.body.number);

  // Paging back in time with `before`.
  const page = await api.call('GET', `/api/v1/assets/${assetId}/history?limit=2`);
  expect(page.body.items).toHaveLength(2);
  const rest = await api.call('GET', `/api/v1/assets/${assetId}/history?before=${encodeURIComponent(page.body.nextBefore)}`);
  expect(rest.body.items.every((e: { at: string }) => Date.parse(e.at) < Date.parse(page.body.nextBefore))).toBe(true);
});

test('unknown asset is 404, a bad cursor is 400 naming it', async () => {
  expect((await api.call('GET', '/api/v1/assets/00000000-0000-4000-8000-000000000000/history')).status).toBe(404);
  const { assetIds } = await seedCustomer(api);
  const bad = await api.call('GET', `/api/v1/assets/${assetIds[0]}/history?before=yesterday`);
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toContain('before');
});

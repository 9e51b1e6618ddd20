/**
 * The desk's phone intake end to end through the API, as an agent: the caller's number finds
 * the contact, the ticket opened for customer + site + asset gets the asset's contract and its
 * SLA, and the call is logged as an activity linked to contact and ticket.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { seedCustomer, startServiceApi, type ServiceApi } from '../service/service-fixture.js';

let api: ServiceApi;
beforeAll(async () => {
  api = await startServiceApi('2025-03-10T08:00:00.000Z');
});
afterAll(async () => {
  await api?.close();
});

const SLA = {
  low: { responseMinutes: 960, resolutionMinutes: 4800 },
  medium: { responseMinutes: 480, resolutionMinutes: 2400 },
  high: { responseMinutes: 90, resolutionMinutes: 600 },
  critical: { responseMinutes: 60, resolutionMinutes: 300 },
};

test('an agent finds the caller, opens a ticket with the contract and SLA applied, and logs the call', async () => {
  const agent = await api.user('agent');
  const { customerId, siteId, assetIds } = await seedCustomer(api, 2);
  const contract = await api.call('POST', '/api/v1/contracts', { customerId, name: 'Gold care', startsOn: '2025-01-01', assetIds: [assetIds[1]], sla: SLA });
  expect(contract.status, JSON.stringify(contract.body)).toBe(201);
  const contact = await api.call('POST', '/api/v1/contacts', { customerId, name: 'Ines Anrufer', phones: [{ number: '+49 40 3344 5566' }] });

  const found = await api.call('GET', `/api/v1/search?q=${encodeURIComponent('040 33445566')}`, undefined, agent.auth);
  expect(found.body.items[0]).toMatchObject({ type: 'contact', id: contact.body.id, customerId, matched: 'phone', rank: 'exact' });

  const ticket = await api.call(
    'POST',
    '/api/v1/tickets',
    { channel: 'phone', type: 'breakdown', priority: 'high', title: 'Compressor trips', customerId, siteId, assetId: assetIds[1] },
    agent.auth,
  );
  expect(ticket.status, JSON.stringify(ticket.body)).toBe(201);
  expect(ticket.body).toMatchObject({ contractId: contract.body.id, slaSource: 'contract', customerId, siteId, assetId: assetIds[1] });
  expect(ticket.body.responseDueAt).toBe('2025-03-10T09:30:00.000Z');
  expect(ticket.body.resolutionDueAt).toBe('2025-03-10T18:00:00.000Z');

  const call = await api.call(
    'POST',
    '/api/v1/activities',
    { kind: 'call', direction: 'inbound', subject: 'Compressor trips', durationMinutes: 4, contactId: contact.body.id, ticketId: ticket.body.id },
    agent.auth,
  );
  expect(call.status, JSON.stringify(call.body)).toBe(201);
  expect(call.body).toMatchObject({ customerId, contactId: contact.body.id, ticketId: ticket.body.id, direction: 'inbound', durationMinutes: 4 });
  const history = await api.call('GET', `/api/v1/customers/${customerId}/360`, undefined, agent.auth);
  expect(history.body.recentActivities[0]).toMatchObject({ id: call.body.id, kind: 'call' });
  expect(history.body.openTickets.map((t: { id: string }) => t.id)).toEqual([ticket.body.id]);
});

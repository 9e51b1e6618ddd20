/**
 * A customer user must not learn whether another customer's record exists: every read of an id
 * and every id a customer may send (ticket creation, list filters) answers for another customer's
 * record exactly as for an id that does not exist — same status, same body.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCustomer, startServiceApi, type Reply, type ServiceApi } from '../service/service-fixture.js';

let api: ServiceApi;
let customer: { auth: { authorization: string } };
let mine: { customerId: string; siteId: string; assetIds: string[] };
/** Another customer's record of each kind, by path segment. */
const foreign: Record<string, string> = {};

beforeAll(async () => {
  api = await startServiceApi();
  mine = await seedCustomer(api, 1);
  const other = await seedCustomer(api, 1);
  const technician = await api.user('technician');
  const made = async (url: string, body: unknown) => {
    const reply = await api.call('POST', url, body);
    if (reply.status !== 201) throw new Error(`${url}: ${JSON.stringify(reply.body)}`);
    return reply.body.id as string;
  };
  foreign.customers = other.customerId;
  foreign.sites = other.siteId;
  foreign.assets = other.assetIds[0]!;
  foreign.contracts = await made('/api/v1/contracts', { customerId: other.customerId, name: 'Theirs', startsOn: '2025-01-01', assetIds: other.assetIds });
  foreign.tickets = await made('/api/v1/tickets', { channel: 'phone', type: 'breakdown', title: 'Their ticket', assetId: other.assetIds[0] });
  foreign.visits = await made(`/api/v1/tickets/${foreign.tickets}/visits`, {
    technicianId: technician.id,
    plannedStart: '2025-03-11T08:00:00.000Z',
    plannedEnd: '2025-03-11T10:00:00.000Z',
  });
  foreign.contacts = await made('/api/v1/contacts', { customerId: other.customerId, name: 'Their contact' });
  foreign.activities = await made('/api/v1/activities', { kind: 'call', direction: 'inbound', subject: 'Their call', customerId: other.customerId });
  const user = await api.user('customer', { customerId: mine.customerId });
  customer = { auth: user.auth };
});

afterAll(async () => {
  await api?.close();
});

/** The reply with the probed id replaced, so two replies can be compared. */
const shape = (reply: Reply, id: string) => ({ status: reply.status, body: JSON.parse(JSON.stringify(reply.body).replaceAll(id, '<id>')) as unknown });

async function sameAsMissing(method: 'GET' | 'POST', url: (id: string) => string, body?: (id: string) => unknown, id = foreign[url('').split('/')[3]!]!) {
  const missing = randomUUID();
  const theirs = shape(await api.call(method, url(id), body?.(id), customer.auth), id);
  const absent = shape(await api.call(method, url(missing), body?.(missing), customer.auth), missing);
  expect(theirs, `${method} ${url('<id>')}`).toEqual(absent);
  return theirs;
}

describe("another customer's records answer like missing ones", () => {
  it('reads of an id: 404, the same body', async () => {
    for (const path of [
      '/api/v1/customers/',
      '/api/v1/customers/:/360',
      '/api/v1/sites/',
      '/api/v1/assets/',
      '/api/v1/contracts/',
      '/api/v1/tickets/',
      '/api/v1/tickets/:/history',
      '/api/v1/tickets/:/visits',
      '/api/v1/visits/',
      '/api/v1/visits/:/closure',
      '/api/v1/contacts/',
      '/api/v1/contacts/:/notification-preferences',
      '/api/v1/activities/',
    ]) {
      const url = (id: string) => (path.includes(':') ? path.replace(':', id) : `${path}${id}`);
      const reply = await sameAsMissing('GET', url);
      expect(reply.status, path).toBe(404);
    }
  });

  it("opening a ticket on another customer's asset is a plain 404, as for an asset that does not exist", async () => {
    const open = (assetId: string) => ({ channel: 'web', type: 'breakdown', title: 'Mine?', assetId });
    const reply = await sameAsMissing('POST', () => '/api/v1/tickets', open, foreign.assets);
    expect(reply).toEqual({ status: 404, body: expect.objectContaining({ code: 'NOT_FOUND', detail: 'asset <id> was not found' }) });
    // Their own asset still works.
    expect((await api.call('POST', '/api/v1/tickets', open(mine.assetIds[0]!), customer.auth)).status).toBe(201);
    // Sites and contracts of another customer, alone or with their own asset.
    const site = await sameAsMissing(
      'POST',
      () => '/api/v1/tickets',
      (siteId) => ({ channel: 'web', type: 'breakdown', title: 'Site?', siteId }),
      foreign.sites,
    );
    expect(site.status).toBe(404);
    await sameAsMissing(
      'POST',
      () => '/api/v1/tickets',
      (siteId) => ({ ...open(mine.assetIds[0]!), siteId }),
      foreign.sites,
    );
    const contract = await sameAsMissing(
      'POST',
      () => '/api/v1/tickets',
      (contractId) => ({ ...open(mine.assetIds[0]!), contractId }),
      foreign.contracts,
    );
    expect(contract.status).toBe(404);
  });

  it("list filters naming another customer's record give what a missing one gives", async () => {
    for (const [path, param, kind] of [
      ['/api/v1/tickets', 'assetId', 'assets'],
      ['/api/v1/tickets', 'siteId', 'sites'],
      ['/api/v1/tickets', 'customerId', 'customers'],
      ['/api/v1/assets', 'siteId', 'sites'],
      ['/api/v1/assets', 'customerId', 'customers'],
      ['/api/v1/sites', 'customerId', 'customers'],
      ['/api/v1/contracts', 'customerId', 'customers'],
      ['/api/v1/contacts', 'customerId', 'customers'],
      ['/api/v1/activities', 'customerId', 'customers'],
      ['/api/v1/activities', 'ticketId', 'tickets'],
      ['/api/v1/activities', 'assetId', 'assets'],
      ['/api/v1/activities', 'contactId', 'contacts'],
      ['/api/v1/invoices', 'customerId', 'customers'],
    ] as const) {
      await sameAsMissing('GET', (id) => `${path}?${param}=${id}`, undefined, foreign[kind]);
    }
  });
});

/** A technician's world for the app's API tests: a Berlin technician with a van, a site with coordinates, a ticket on an asset. */
import { randomUUID } from 'node:crypto';
import type { ServiceApi } from '../service/service-fixture.js';

export interface FieldWorld {
  technician: { id: string; auth: { authorization: string } };
  customerId: string;
  siteId: string;
  assetId: string;
}

const tag = () => randomUUID().slice(0, 8);

export async function fieldWorld(api: ServiceApi, timezone = 'Europe/Berlin'): Promise<FieldWorld> {
  const technician = await api.user('technician');
  const profile = await api.call('PUT', `/api/v1/technicians/${technician.id}`, { timezone });
  if (profile.status !== 200) throw new Error(`profile: ${JSON.stringify(profile.body)}`);
  const customer = await api.call('POST', '/api/v1/customers', { name: `Brauerei ${tag()}`, phone: '+49 89 000' });
  const site = await api.call('POST', '/api/v1/sites', {
    customerId: customer.body.id,
    name: 'Plant',
    address: 'Marienplatz 1',
    city: 'München',
    country: 'DE',
    latitude: 48.137,
    longitude: 11.575,
  });
  const asset = await api.call('POST', '/api/v1/assets', { siteId: site.body.id, modelId: 'chiller-x', serialNumber: `SN-${tag()}` });
  if (asset.status !== 201) throw new Error(`asset: ${JSON.stringify(asset.body)}`);
  return { technician, customerId: customer.body.id, siteId: site.body.id, assetId: asset.body.id };
}

/** An open ticket on the world's asset, assigned to its technician. */
export async function fieldTicket(api: ServiceApi, world: FieldWorld, extra: Record<string, unknown> = {}): Promise<{ id: string; number: string }> {
  const ticket = await api.call('POST', '/api/v1/tickets', {
    channel: 'phone',
    type: 'breakdown',
    title: 'Compressor trips',
    customerId: world.customerId,
    assetId: world.assetId,
    ...extra,
  });
  if (ticket.status !== 201) throw new Error(`ticket: ${JSON.stringify(ticket.body)}`);
  const assigned = await api.call('POST', `/api/v1/tickets/${ticket.body.id}/assignment`, { technicianId: world.technician.id });
  if (assigned.status !== 200) throw new Error(`assignment: ${JSON.stringify(assigned.body)}`);
  return ticket.body;
}

export async function fieldVisit(api: ServiceApi, world: FieldWorld, ticketId: string, start: string, minutes = 60): Promise<{ id: string; etag: string }> {
  const visit = await api.call('POST', `/api/v1/tickets/${ticketId}/visits`, {
    technicianId: world.technician.id,
    plannedStart: start,
    plannedEnd: new Date(Date.parse(start) + minutes * 60_000).toISOString(),
  });
  if (visit.status !== 201) throw new Error(`visit: ${JSON.stringify(visit.body)}`);
  return { id: visit.body.id, etag: visit.headers.etag as string };
}

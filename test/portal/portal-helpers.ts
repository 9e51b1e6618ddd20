/**
 * The portal e2e's world, made through the real API as the admin: two customers, each with a
 * site, equipment, a contract, contacts, a customer admin who signs in, a worked ticket and an
 * issued invoice; the first also has an open ticket whose technician is on the way.
 */
import sharp from 'sharp';
import type { TestPlatform } from '../harness/platform.js';
import { ok } from '../console/console-helpers.js';

export const PORTAL_PASSWORD = 'portal-e2e-passphrase-7';

export interface PortalWorld {
  customerId: string;
  customerName: string;
  siteId: string;
  assetIds: string[];
  email: string;
  openTicket: { id: string; number: string; title: string };
  workedTicket: { id: string; number: string; title: string };
  invoice: { id: string; number: string; total: number };
  quote: { id: string; number: string };
}

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

export async function customerWorld(
  t: TestPlatform,
  tag: string,
  names: { customer: string; site: string; person: string; open: string; worked: string },
): Promise<PortalWorld> {
  const customer = await ok<{ id: string }>(t, 'POST', '/api/v1/customers', { name: names.customer });
  const site = await ok<{ id: string }>(t, 'POST', '/api/v1/sites', {
    customerId: customer.id,
    name: names.site,
    address: 'Hafenstraße 12',
    city: 'Hamburg',
    country: 'DE',
  });
  const assetIds: string[] = [];
  for (const [model, name, warrantyEnd] of [
    ['water-chiller-wc200', 'Chiller hall A', null],
    ['screw-compressor-sc55', 'Compressed air', null],
    ['gas-boiler-gb120', 'Boiler house', '2027-06-30'],
  ] as const) {
    const asset = { siteId: site.id, modelId: model, serialNumber: `${tag}-${model.slice(0, 5)}`, name, ...(warrantyEnd ? { warrantyEnd } : {}) };
    assetIds.push((await ok<{ id: string }>(t, 'POST', '/api/v1/assets', asset)).id);
  }
  await ok(t, 'POST', `/api/v1/assets/${assetIds[0]}/device`, {});
  await ok(t, 'POST', '/api/v1/contracts', {
    customerId: customer.id,
    name: 'Full Service Plus',
    startsOn: '2025-01-01',
    endsOn: '2027-12-31',
    assetIds: assetIds.slice(0, 2),
    coverage: { labourPercent: 50, partsPercent: 20, travelIncluded: true },
    sla: {
      critical: { responseMinutes: 120, resolutionMinutes: 480 },
      high: { responseMinutes: 240, resolutionMinutes: 1440 },
      medium: { responseMinutes: 480, resolutionMinutes: 2880 },
      low: { responseMinutes: 1440, resolutionMinutes: 7200 },
    },
    prepaidMinutes: 1200,
  });
  await ok(t, 'POST', '/api/v1/contacts', {
    customerId: customer.id,
    name: names.person,
    jobTitle: 'Facility manager',
    emails: [{ address: `${tag}.facility@example.test` }],
    isPrimary: true,
  });
  await ok(t, 'POST', '/api/v1/contacts', {
    customerId: customer.id,
    name: 'Jan Berger',
    jobTitle: 'Accounts payable',
    emails: [{ address: `${tag}.ap@example.test` }],
  });

  const email = `${tag}.admin@example.test`;
  const user = await ok<{ id: string }>(t, 'POST', '/api/v1/users', {
    email,
    name: names.person,
    role: 'customer',
    customerId: customer.id,
    password: PORTAL_PASSWORD,
  });
  await ok(t, 'PUT', `/api/v1/users/${user.id}/customer-admin`, { customerAdmin: true }, 200);
  await ok(t, 'POST', '/api/v1/users', {
    email: `${tag}.colleague@example.test`,
    name: 'Jan Berger',
    role: 'customer',
    customerId: customer.id,
    password: PORTAL_PASSWORD,
  });

  const technician = await ok<{ id: string }>(t, 'POST', '/api/v1/users', {
    email: `${tag}.tech@example.test`,
    name: 'Lena Vogt',
    role: 'technician',
    password: PORTAL_PASSWORD,
  });

  // A worked and invoiced ticket.
  const worked = await ok<{ id: string; number: string; title: string }>(t, 'POST', '/api/v1/tickets', {
    channel: 'phone',
    type: 'breakdown',
    title: names.worked,
    customerId: customer.id,
    assetId: assetIds[1],
  });
  await ok(t, 'POST', `/api/v1/tickets/${worked.id}/assignment`, { technicianId: technician.id }, 200);
  const start = Date.now() - 48 * HOUR;
  const visit = await ok<{ id: string }>(t, 'POST', `/api/v1/tickets/${worked.id}/visits`, {
    technicianId: technician.id,
    plannedStart: iso(start),
    plannedEnd: iso(start + 2 * HOUR),
  });
  await ok(t, 'PATCH', `/api/v1/visits/${visit.id}`, { actualStart: iso(start) }, 200);
  await ok(t, 'POST', `/api/v1/visits/${visit.id}/labour`, { minutes: 90, description: 'Replaced the pressure switch' });
  await ok(t, 'POST', `/api/v1/visits/${visit.id}/parts`, { sku: 'PS-200', quantity: 1, unitPrice: 148.5, description: 'Pressure switch PS-200' });
  await ok(
    t,
    'POST',
    `/api/v1/visits/${visit.id}/close`,
    {
      outcome: 'fixed',
      actualEnd: iso(start + 90 * 60_000),
      resolutionNotes: 'Replaced the pressure switch',
      acceptance: { name: names.person, confirmation: 'Unit running' },
    },
    200,
  );
  const draft = await ok<{ id: string }>(t, 'POST', `/api/v1/tickets/${worked.id}/invoice`);
  const issued = await ok<{ id: string; number: string; total: number }>(t, 'POST', `/api/v1/invoices/${draft.id}/issue`, {}, 200);

  // An open ticket: visit today, technician on the way.
  const open = await ok<{ id: string; number: string; title: string }>(t, 'POST', '/api/v1/tickets', {
    channel: 'iot',
    type: 'predictive',
    title: names.open,
    customerId: customer.id,
    assetId: assetIds[0],
    priority: 'high',
  });
  await ok(t, 'POST', `/api/v1/tickets/${open.id}/assignment`, { technicianId: technician.id }, 200);
  const soon = Date.now() + HOUR;
  const next = await ok<{ id: string }>(t, 'POST', `/api/v1/tickets/${open.id}/visits`, {
    technicianId: technician.id,
    plannedStart: iso(soon),
    plannedEnd: iso(soon + 2 * HOUR),
  });
  await ok(t, 'POST', `/api/v1/visits/${next.id}/en-route`, {}, 200);
  await ok(t, 'PUT', `/api/v1/visits/${next.id}/eta`, { etaAt: iso(soon + 15 * 60_000) }, 200);

  // A quote for the open ticket, sent to the customer for approval.
  const validUntil = new Date(Date.now() + 14 * 24 * HOUR).toISOString().slice(0, 10);
  const quote = await ok<{ id: string; number: string }>(t, 'POST', `/api/v1/tickets/${open.id}/quotes`, {
    lines: [
      { kind: 'labour', hours: 3, description: 'Clean the condenser and check the refrigerant charge' },
      { kind: 'parts', sku: 'FLT-CD-40', quantity: 2, unitPrice: 64.9, description: 'Condenser filter mat' },
      { kind: 'travel' },
    ],
    validUntil,
    note: 'Work can start the day after your approval.',
  });
  await ok(t, 'POST', `/api/v1/quotes/${quote.id}/send`, undefined, 200);

  return {
    quote,
    customerId: customer.id,
    customerName: names.customer,
    siteId: site.id,
    assetIds,
    email,
    openTicket: open,
    workedTicket: worked,
    invoice: { id: issued.id, number: issued.number, total: issued.total },
  };
}

/** A phone photo: a JPEG a camera could have taken. */
export async function photo(): Promise<Buffer> {
  return sharp({ create: { width: 800, height: 600, channels: 3, background: { r: 70, g: 110, b: 160 } } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

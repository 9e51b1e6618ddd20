/**
 * Helpers for the closing and invoicing tests: a worked ticket (assigned, one visit with labour
 * and parts, closed as fixed through POST /visits/{id}/close), contracts, catalogue parts and
 * technician profiles.
 */
import { ADMIN_TOKEN, type Reply, type ServiceApi } from '../service/service-fixture.js';

/** A valid 1×1 PNG. */
export const PNG_SIGNATURE = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

export interface LabourSpec {
  minutes: number;
  skill?: string;
  overtime?: boolean;
  description?: string;
}

export interface PartSpec {
  sku: string;
  quantity: number;
  unitPrice?: number;
  description?: string;
}

export interface WorkSpec {
  customerId: string;
  technicianId: string;
  assetId?: string;
  contractId?: string;
  labour?: LabourSpec[];
  parts?: PartSpec[];
  /** Actual window of the visit (default 2025-03-11 08:00–10:00 UTC). */
  start?: string;
  end?: string;
  /** Planned window (default: the actual one). */
  plannedStart?: string;
  plannedEnd?: string;
  /** Close the visit as fixed (default true): the ticket ends resolved. */
  close?: boolean;
  faultCode?: string;
}

function ok(reply: { status: number; body: unknown }, expected: number, what: string) {
  if (reply.status !== expected) throw new Error(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
}

/** Opens a ticket, assigns it, runs one visit with the given work and (by default) closes it as fixed. */
export async function workedTicket(api: ServiceApi, spec: WorkSpec): Promise<{ ticketId: string; ticketNumber: string; visitId: string }> {
  const start = spec.start ?? '2025-03-11T08:00:00Z';
  const end = spec.end ?? '2025-03-11T10:00:00Z';
  const ticket = await api.call('POST', '/api/v1/tickets', {
    channel: 'phone',
    type: 'breakdown',
    title: 'Compressor trips',
    description: 'Compressor trips on high pressure every afternoon',
    customerId: spec.customerId,
    ...(spec.assetId ? { assetId: spec.assetId } : {}),
    ...(spec.contractId ? { contractId: spec.contractId } : {}),
    ...(spec.faultCode ? { faultCode: spec.faultCode } : {}),
  });
  ok(ticket, 201, 'ticket');
  ok(await api.call('POST', `/api/v1/tickets/${ticket.body.id}/assignment`, { technicianId: spec.technicianId }), 200, 'assignment');
  const planned = { plannedStart: spec.plannedStart ?? start, plannedEnd: spec.plannedEnd ?? end };
  const visit = await api.call('POST', `/api/v1/tickets/${ticket.body.id}/visits`, { technicianId: spec.technicianId, ...planned });
  ok(visit, 201, 'visit');
  const visitId = visit.body.id as string;
  ok(await api.call('PATCH', `/api/v1/visits/${visitId}`, { actualStart: start }), 200, 'start');
  // One second between recordings: entries keep their order (recorded_at) on the invoice.
  for (const labour of spec.labour ?? []) {
    api.clock.advance(1000);
    ok(await api.call('POST', `/api/v1/visits/${visitId}/labour`, labour), 201, 'labour');
  }
  for (const part of spec.parts ?? []) {
    api.clock.advance(1000);
    ok(await api.call('POST', `/api/v1/visits/${visitId}/parts`, part), 201, 'part');
  }
  if (spec.close ?? true) {
    const closed = await api.call('POST', `/api/v1/visits/${visitId}/close`, {
      outcome: 'fixed',
      actualEnd: end,
      resolutionNotes: 'Replaced the pressure switch',
      acceptance: { name: 'Ms Meyer', confirmation: 'Work done, unit running' },
    });
    ok(closed, 200, 'close');
  }
  return { ticketId: ticket.body.id, ticketNumber: ticket.body.number, visitId };
}

export async function createContract(
  api: ServiceApi,
  customerId: string,
  options: { assetIds?: string[]; labourPercent?: number; partsPercent?: number; travelIncluded?: boolean; prepaidMinutes?: number } = {},
): Promise<{ id: string; number: string }> {
  const reply = await api.call('POST', '/api/v1/contracts', {
    customerId,
    name: 'Service agreement',
    startsOn: '2025-01-01',
    assetIds: options.assetIds ?? [],
    coverage: { labourPercent: options.labourPercent ?? 0, partsPercent: options.partsPercent ?? 0, travelIncluded: options.travelIncluded ?? false },
    prepaidMinutes: options.prepaidMinutes ?? 0,
  });
  ok(reply, 201, 'contract');
  return { id: reply.body.id, number: reply.body.number };
}

/** A catalogue part (stock feature's table, 0007). */
export async function catalogPart(api: ServiceApi, part: { sku: string; description: string; unitPrice: number; unitCost: number }): Promise<void> {
  await api.db.query(
    `INSERT INTO parts (sku, description, unit_price, unit_cost) VALUES ($1, $2, $3, $4)
     ON CONFLICT (sku) DO UPDATE SET unit_price = EXCLUDED.unit_price, unit_cost = EXCLUDED.unit_cost`,
    [part.sku, part.description, part.unitPrice, part.unitCost],
  );
}

/** A technician profile row (dispatch feature's table, 0008): working hours, zone, hourly cost, home. */
/** Every day 06:00–20:00: the tests' visits are planned inside (dispatch refuses windows outside working hours). */
export const LONG_DAYS = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['06:00', '20:00']]]));

export async function technicianProfile(
  api: ServiceApi,
  userId: string,
  profile: { workingHours?: unknown; timezone?: string; hourlyCost?: number; home?: { latitude: number; longitude: number } },
): Promise<void> {
  await api.db.query(
    `INSERT INTO technician_profiles (user_id, working_hours, timezone, hourly_cost, home_latitude, home_longitude, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, now(), now())
     ON CONFLICT (user_id) DO UPDATE SET working_hours = EXCLUDED.working_hours, timezone = EXCLUDED.timezone, hourly_cost = EXCLUDED.hourly_cost,
       home_latitude = EXCLUDED.home_latitude, home_longitude = EXCLUDED.home_longitude`,
    [
      userId,
      JSON.stringify(profile.workingHours ?? {}),
      profile.timezone ?? 'UTC',
      profile.hourlyCost ?? null,
      profile.home?.latitude ?? null,
      profile.home?.longitude ?? null,
    ],
  );
}

/** Amounts of the lines of one kind, in order. */
export function amounts(invoice: { lines: { kind: string; amount: number }[] }, kind: string): number[] {
  return invoice.lines.filter((l) => l.kind === kind).map((l) => l.amount);
}

/** PUT (the service fixture's `call` knows GET, POST and PATCH). */
export async function put(api: ServiceApi, url: string, body: unknown, authorization = `Bearer ${ADMIN_TOKEN}`): Promise<Reply> {
  const response = await api.app.inject({ method: 'PUT', url, headers: { authorization }, payload: body as object });
  return { status: response.statusCode, headers: response.headers, body: response.json() };
}

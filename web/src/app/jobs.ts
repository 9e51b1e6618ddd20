/**
 * The technician's jobs: each planned visit with everything needed on site, loaded in one go so
 * the day works offline. GET /api/v1/me/jobs answers it in one request; on a server without it
 * the app assembles the same from the schedule and each visit's ticket, site, customer, asset
 * and diagnosis.
 */
import type { Api, Ok } from '../shared/api';
import { ApiError, today } from '../shared/api';

export type Visit = Ok<'/api/v1/visits/{id}', 'get'>;

export interface Reading {
  name: string;
  value: number | string;
  unit?: string | null;
  at?: string | null;
}

export interface Job {
  /** The visit's id (the store's key). */
  id: string;
  visit: Visit;
  ticket: {
    id: string;
    number: string;
    title: string;
    priority: string;
    status: string;
    description?: string | null;
    faultCode?: string | null;
    responseDueAt?: string | null;
    resolutionDueAt?: string | null;
  };
  customer: { name: string; phone?: string | null } | null;
  site: {
    name: string;
    address?: string | null;
    city?: string | null;
    latitude?: number | null;
    longitude?: number | null;
    accessNotes?: string | null;
  } | null;
  navigationUrl: string | null;
  diagnosis: { title?: string | null; text?: string | null; causes: string[]; actions: string[] } | null;
  reservedParts: { sku: string; name?: string | null; quantity: number; location: string; inVan: boolean }[];
  asset: {
    name: string;
    serial?: string | null;
    readings: Reading[];
    alarms: { title: string; severity?: string | null; at?: string | null; active?: boolean }[];
    history: { at: string; title: string }[];
  } | null;
  articles: { title: string; body: string }[];
  checklist: {
    id: string;
    label: string;
    done: boolean;
    note?: string | null;
    required?: boolean;
    photoRequired?: boolean;
    noteRequired?: boolean;
    attachmentId?: string | null;
  }[];
  /** When the technician set out (en-route), once the server has it. */
  enRouteAt?: string | null;
}

/** A maps link to the site: its coordinates, else its address. */
export function navigationUrl(site: Job['site']): string | null {
  if (!site) return null;
  if (typeof site.latitude === 'number' && typeof site.longitude === 'number') {
    return `https://www.openstreetmap.org/directions?to=${encodeURIComponent(`${site.latitude},${site.longitude}`)}`;
  }
  const address = [site.address, site.city].filter(Boolean).join(', ');
  return address ? `https://www.openstreetmap.org/search?query=${encodeURIComponent(address)}` : null;
}

type Loose = Record<string, unknown>;
const obj = (v: unknown): Loose | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Loose) : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export type MeJob = Ok<'/api/v1/me/jobs', 'get'>['items'][number];

/** A visit as the job list has it, before its labour and parts are known (GET /visits/{id} adds them). */
function partialVisit(job: MeJob, technicianId: string): Visit {
  const v = job.visit;
  return {
    ...v,
    ticketId: job.ticket.id,
    technicianId,
    outcome: null,
    firstTimeFix: null,
    labour: [],
    parts: [],
    labourMinutes: 0,
    acceptance: null,
    createdAt: v.plannedStart,
    updatedAt: v.plannedStart,
  };
}

/** One item of GET /me/jobs as this app keeps it; `visit` is the full visit when it could be read. */
export function fromMeJob(job: MeJob, visit: Visit): Job {
  const site = job.site;
  const asset = job.asset;
  return {
    id: job.visit.id,
    visit,
    ticket: job.ticket,
    customer: { name: job.customer.name, phone: job.contact.phone },
    site,
    navigationUrl: site?.navigationUrl ?? navigationUrl(site),
    diagnosis: job.diagnosis
      ? { title: job.diagnosis.title, text: job.diagnosis.diagnosis, causes: job.diagnosis.probableCauses, actions: job.diagnosis.actions }
      : null,
    reservedParts: job.reservedParts.map((p) => ({ sku: p.sku, name: p.description, quantity: p.quantity, location: p.where.name, inVan: p.where.mine })),
    asset: asset
      ? {
          name: asset.name ?? asset.modelName ?? asset.modelId,
          serial: asset.serialNumber,
          readings: Object.entries(asset.latestReading?.metrics ?? {}).map(([name, value]) => ({ name, value, at: asset.latestReading?.time ?? null })),
          alarms: asset.openAlarms.map((a) => ({ title: a.faultCode ?? a.ruleId, severity: a.severity, at: a.lastSeenAt, active: a.state !== 'cleared' })),
          history: asset.history.map((e) => ({ at: e.at, title: e.title })),
        }
      : null,
    articles: job.knowledge.map((k) => ({ title: k.title, body: k.excerpt })),
    checklist: job.checklist.items.map((c) => ({
      id: c.id,
      label: c.text,
      done: c.done,
      note: c.note,
      required: c.required,
      photoRequired: c.requires === 'photo',
      noteRequired: c.requires === 'note',
      attachmentId: c.attachmentId,
    })),
    enRouteAt: job.visit.etaAt,
  };
}

/** Fetch of a route the typed client may not know yet: JSON, or an ApiError. */
export async function rawJson<T>(api: Api, path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      ...init,
      headers: { accept: 'application/json', ...api.authHeaders(), ...(init.headers as Record<string, string> | undefined) },
    });
  } catch {
    throw new ApiError(0, { title: 'Network error', detail: 'The server cannot be reached' });
  }
  const body = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body as Record<string, string> | null);
  return body as T;
}

const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Today's and the next days' jobs of the signed-in technician. */
export async function fetchJobs(api: Api, days = 3): Promise<Job[]> {
  let list: Ok<'/api/v1/me/jobs', 'get'>;
  try {
    list = await api.ok(api.client.GET('/api/v1/me/jobs', { params: { query: { days } } }));
  } catch (error) {
    if (error instanceof ApiError && error.noRoute) return assembleJobs(api, days);
    throw error;
  }
  // The list has no labour and parts recorded so far: each visit is read in full (a day is a handful).
  return Promise.all(
    list.items.map(async (job) => {
      const visit = await api
        .ok(api.client.GET('/api/v1/visits/{id}', { params: { path: { id: job.visit.id } } }))
        .catch(() => partialVisit(job, list.technicianId));
      return fromMeJob(job, visit);
    }),
  );
}

/** Without /me/jobs: the schedule of each day, then each visit's details. */
async function assembleJobs(api: Api, days: number): Promise<Job[]> {
  const me = api.session.user?.id;
  const { client, ok } = api;
  const maybe = async <T>(p: Promise<T>): Promise<T | null> => p.catch(() => null);
  const start = today();
  const boards = await Promise.all(
    Array.from({ length: days }, (_, i) =>
      ok(client.GET('/api/v1/schedule', { params: { query: { date: addDays(start, i), ...(me ? { technicianId: me } : {}) } } })),
    ),
  );
  const planned = boards.flatMap((b) => b.technicians.filter((tech) => !me || tech.technicianId === me).flatMap((tech) => tech.visits));
  const unique = [...new Map(planned.map((v) => [v.visitId, v])).values()].filter((v) => v.status !== 'cancelled');
  return Promise.all(
    unique.map(async (row): Promise<Job> => {
      const [visit, ticket, diagnosis] = await Promise.all([
        ok(client.GET('/api/v1/visits/{id}', { params: { path: { id: row.visitId } } })),
        ok(client.GET('/api/v1/tickets/{id}', { params: { path: { id: row.ticketId } } })),
        maybe(ok(client.GET('/api/v1/tickets/{id}/diagnosis', { params: { path: { id: row.ticketId } } }))),
      ]);
      const [site, customer, asset] = await Promise.all([
        ticket.siteId ? maybe(ok(client.GET('/api/v1/sites/{id}', { params: { path: { id: ticket.siteId } } }))) : null,
        ticket.customerId ? maybe(ok(client.GET('/api/v1/customers/{id}', { params: { path: { id: ticket.customerId } } }))) : null,
        ticket.assetId ? maybe(ok(client.GET('/api/v1/assets/{id}', { params: { path: { id: ticket.assetId } } }))) : null,
      ]);
      const fault = obj(obj(diagnosis?.prefill)?.fault);
      const jobSite: Job['site'] = site
        ? { name: site.name, address: site.address, city: site.city, latitude: site.latitude, longitude: site.longitude, accessNotes: site.accessNotes }
        : null;
      return {
        id: visit.id,
        visit,
        ticket,
        customer: customer ? { name: customer.name, phone: customer.phone } : null,
        site: jobSite,
        navigationUrl: navigationUrl(jobSite),
        diagnosis: fault
          ? { title: str(fault.title), text: str(fault.diagnosis), causes: strings(fault.probableCauses), actions: strings(fault.actions) }
          : null,
        reservedParts: [],
        asset: asset ? { name: asset.name ?? asset.modelId, serial: asset.serialNumber, readings: [], alarms: [], history: [] } : null,
        articles: [],
        checklist: [],
      };
    }),
  );
}

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
  site: { name: string; address?: string | null; city?: string | null; latitude?: number | null; longitude?: number | null; accessNotes?: string | null } | null;
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
  article: { title: string; body: string } | null;
  checklist: { id: string; label: string; done: boolean; note?: string | null; photoRequired?: boolean; noteRequired?: boolean }[];
  /** When the technician set out (en-route), once the server has it. */
  enRouteAt?: string | null;
}

/** A maps link to the site: its coordinates, else its address. */
export function navigationUrl(site: Job['site']): string | null {
  if (!site) return null;
  if (typeof site.latitude === 'number' && typeof site.longitude === 'number') {
    return `https://www.google.com/maps/dir/?api=1&destination=${site.latitude},${site.longitude}`;
  }
  const address = [site.address, site.city].filter(Boolean).join(', ');
  return address ? `https://www.google.com/maps/dir/?api=1&destination=${encodeURIComponent(address)}` : null;
}

type Loose = Record<string, unknown>;
const obj = (v: unknown): Loose | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Loose) : null);
const arr = (v: unknown): Loose[] => (Array.isArray(v) ? v.filter((x): x is Loose => obj(x) !== null) : []);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(str).filter((x): x is string => x !== null) : []);

/** One item of GET /me/jobs as this app keeps it. */
export function fromMeJob(raw: Loose): Job | null {
  const visit = obj(raw.visit) as Visit | null;
  const ticket = obj(raw.ticket);
  if (!visit || !ticket) return null;
  const site = obj(raw.site);
  const diagnosis = obj(raw.diagnosis);
  const asset = obj(raw.asset);
  const article = obj(raw.article) ?? obj(raw.knowledgeArticle);
  const siteOut: Job['site'] = site
    ? {
        name: str(site.name) ?? '',
        address: str(site.address),
        city: str(site.city),
        latitude: typeof site.latitude === 'number' ? site.latitude : null,
        longitude: typeof site.longitude === 'number' ? site.longitude : null,
        accessNotes: str(site.accessNotes),
      }
    : null;
  return {
    id: visit.id,
    visit,
    ticket: {
      id: str(ticket.id) ?? visit.ticketId,
      number: str(ticket.number) ?? '',
      title: str(ticket.title) ?? '',
      priority: str(ticket.priority) ?? 'medium',
      status: str(ticket.status) ?? '',
      description: str(ticket.description),
      faultCode: str(ticket.faultCode),
      responseDueAt: str(ticket.responseDueAt),
      resolutionDueAt: str(ticket.resolutionDueAt),
    },
    customer: obj(raw.customer) ? { name: str(obj(raw.customer)!.name) ?? '', phone: str(obj(raw.customer)!.phone) } : null,
    site: siteOut,
    navigationUrl: str(site?.navigationUrl) ?? str(raw.navigationUrl) ?? navigationUrl(siteOut),
    diagnosis: diagnosis
      ? {
          title: str(diagnosis.title) ?? str(diagnosis.fault),
          text: str(diagnosis.diagnosis) ?? str(diagnosis.text),
          causes: strings(diagnosis.probableCauses ?? diagnosis.causes),
          actions: strings(diagnosis.actions),
        }
      : null,
    reservedParts: arr(raw.reservedParts ?? raw.parts).map((p) => {
      const location = obj(p.location);
      const kind = str(location?.kind) ?? str(p.locationKind);
      return {
        sku: str(p.sku) ?? '',
        name: str(p.name) ?? str(p.description),
        quantity: typeof p.quantity === 'number' ? p.quantity : 1,
        location: str(location?.name) ?? str(location?.code) ?? str(p.location) ?? '',
        inVan: kind === 'van' || p.inMyVan === true,
      };
    }),
    asset: asset
      ? {
          name: str(asset.name) ?? str(asset.modelId) ?? '',
          serial: str(asset.serialNumber),
          readings: arr(asset.readings).map((r) => ({
            name: str(r.name) ?? str(r.metric) ?? str(r.field) ?? '',
            value: typeof r.value === 'number' ? r.value : (str(r.value) ?? ''),
            unit: str(r.unit),
            at: str(r.at) ?? str(r.time),
          })),
          alarms: arr(asset.alarms).map((a) => ({
            title: str(a.title) ?? str(a.summary) ?? str(a.ruleId) ?? '',
            severity: str(a.severity),
            at: str(a.at) ?? str(a.raisedAt) ?? str(a.createdAt),
            active: a.active === true || a.status === 'active',
          })),
          history: arr(asset.history).map((e) => ({ at: str(e.at) ?? '', title: str(e.title) ?? '' })),
        }
      : null,
    article: article ? { title: str(article.title) ?? '', body: str(article.body) ?? '' } : null,
    checklist: arr(raw.checklist ?? obj(raw.checklist)?.items).map((c) => ({
      id: str(c.id) ?? '',
      label: str(c.label) ?? str(c.text) ?? str(c.title) ?? '',
      done: c.done === true || c.checked === true,
      note: str(c.note),
      photoRequired: c.photoRequired === true,
      noteRequired: c.noteRequired === true,
    })),
  };
}

/** Fetch of a route the typed client may not know yet: JSON, or an ApiError. */
export async function rawJson<T>(api: Api, path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { accept: 'application/json', ...api.authHeaders(), ...(init.headers as Record<string, string> | undefined) } });
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
  try {
    const body = await rawJson<{ items?: unknown[] }>(api, `/api/v1/me/jobs?days=${days}`);
    return arr(body.items)
      .map(fromMeJob)
      .filter((j): j is Job => j !== null);
  } catch (error) {
    if (!(error instanceof ApiError && error.noRoute)) throw error;
  }
  return assembleJobs(api, days);
}

/** Without /me/jobs: the schedule of each day, then each visit's details. */
async function assembleJobs(api: Api, days: number): Promise<Job[]> {
  const me = api.session.user?.id;
  const { client, ok } = api;
  const maybe = async <T>(p: Promise<T>): Promise<T | null> => p.catch(() => null);
  const start = today();
  const boards = await Promise.all(
    Array.from({ length: days }, (_, i) => ok(client.GET('/api/v1/schedule', { params: { query: { date: addDays(start, i), ...(me ? { technicianId: me } : {}) } } }))),
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
        diagnosis: fault ? { title: str(fault.title), text: str(fault.diagnosis), causes: strings(fault.probableCauses), actions: strings(fault.actions) } : null,
        reservedParts: [],
        asset: asset ? { name: asset.name ?? asset.modelId, serial: asset.serialNumber, readings: [], alarms: [], history: [] } : null,
        article: null,
        checklist: [],
      };
    }),
  );
}

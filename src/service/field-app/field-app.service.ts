/**
 * The technician's jobs for the app, in one answer it can keep offline: the visits from today
 * (in the technician's time zone) for N days, each with its ticket, customer, contact, site and a
 * navigation link, the diagnosis, the parts reserved and where they are, the asset's latest
 * reading, open alarms and recent history, the knowledge articles, and the checklist. Telemetry
 * being down must not cost the technician their day: the reading is then null.
 */
import type { Caller } from '../../kernel/caller.js';
import type { Database } from '../../kernel/db/database.js';
import { AppError, invalidField, notFound } from '../../kernel/errors.js';
import type { Clock } from '../../kernel/clock.js';
import { UNSCOPED } from '../../access/auth/principal.js';
import type { AssetHistoryService } from '../assets/asset-history.service.js';
import { localDateOf, zonedTimeToInstant } from '../sla/business-calendar.js';
import { etagOf } from '../../kernel/http/etag.js';
import type { ChecklistService } from './checklist.service.js';
import { FieldAppRepository, type JobRow, type ReservationRow } from './field-app.repository.js';
import type { Job, Jobs } from './field-app.schemas.js';
import { faultOfTicket } from './ticket-fault.js';

/** The latest reading of an asset (TelemetryReader.latest); absent when the process has no telemetry. */
export type LatestReadingSource = (assetId: string) => Promise<{ time: string; values: Record<string, number> } | null>;

const DAY_MS = 86_400_000;
const EXCERPT = 400;

export interface FieldAppOptions {
  readonly history: AssetHistoryService;
  readonly checklists: ChecklistService;
  readonly latestReading?: LatestReadingSource | undefined;
}

/** OpenStreetMap directions to the coordinates, else a search for the address; null without either. */
export function navigationUrl(site: {
  latitude: number | null;
  longitude: number | null;
  address: string | null;
  city: string | null;
  country: string | null;
}): string | null {
  if (site.latitude !== null && site.longitude !== null) return `https://www.openstreetmap.org/directions?to=${site.latitude}%2C${site.longitude}`;
  const address = [site.address, site.city, site.country].filter(Boolean).join(', ');
  return address ? `https://www.openstreetmap.org/search?query=${encodeURIComponent(address)}` : null;
}

export class FieldAppService {
  private readonly repo = new FieldAppRepository();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly options: FieldAppOptions,
  ) {}

  async jobs(query: { days: number; technicianId?: string | undefined }, caller: Caller): Promise<Jobs> {
    const technicianId = this.whose(query.technicianId, caller);
    const timeZone = await this.repo.timeZoneOf(this.db, technicianId);
    if (!timeZone)
      throw caller.role === 'technician'
        ? notFound('technician', technicianId)
        : invalidField('querystring.technicianId', `${technicianId} is not a technician`);
    const now = this.clock.now();
    const from = new Date(zonedTimeToInstant(localDateOf(now.getTime(), timeZone), 0, timeZone));
    // Local midnight N days on (a day-light saving day is not 24 h: step from the local date).
    const to = new Date(zonedTimeToInstant(localDateOf(from.getTime() + query.days * DAY_MS + DAY_MS / 2, timeZone), 0, timeZone));
    const rows = await this.repo.jobs(this.db, technicianId, from, to);
    const [contacts, reservations, alarms] = await Promise.all([
      this.repo.contacts(this.db, [...new Set(rows.map((r) => r.customer_id))]),
      this.repo.reservations(this.db, [...new Set(rows.map((r) => r.ticket_id))]),
      this.repo.openAlarms(this.db, [...new Set(rows.flatMap((r) => (r.asset_id ? [r.asset_id] : [])))]),
    ]);
    const items: Job[] = [];
    for (const row of rows) {
      const contact = contacts.get(row.customer_id);
      items.push({
        visit: {
          id: row.id,
          status: row.status,
          plannedStart: row.planned_start.toISOString(),
          plannedEnd: row.planned_end.toISOString(),
          actualStart: row.actual_start?.toISOString() ?? null,
          actualEnd: row.actual_end?.toISOString() ?? null,
          etaAt: row.eta_at?.toISOString() ?? null,
          notes: row.notes,
          version: row.version,
          etag: etagOf(row.version),
        },
        ticket: {
          id: row.ticket_id,
          number: row.number,
          title: row.title,
          description: row.description,
          priority: row.priority,
          status: row.ticket_status,
          responseDueAt: row.response_due_at.toISOString(),
          resolutionDueAt: row.resolution_due_at.toISOString(),
        },
        customer: { id: row.customer_id, name: row.customer_name },
        contact: { name: contact?.name ?? null, phone: contact?.phone ?? row.customer_phone },
        site: row.site_id
          ? {
              id: row.site_id,
              name: row.site_name!,
              address: row.address,
              city: row.city,
              country: row.country,
              latitude: row.latitude,
              longitude: row.longitude,
              accessNotes: row.access_notes,
              navigationUrl: navigationUrl(row),
            }
          : null,
        diagnosis: await faultOfTicket(this.db, row.ticket_id),
        reservedParts: reservations.filter((r) => r.ticket_id === row.ticket_id).map((r) => toPart(r, technicianId)),
        asset: row.asset_id ? await this.asset(row, alarms) : null,
        knowledge: (await this.repo.knowledge(this.db, row.ticket_id)).map((k) => ({ id: k.id, title: k.title, excerpt: excerpt(k.body) })),
        checklist: await this.options.checklists.of(this.db, row),
      });
    }
    return { technicianId, timeZone, from: from.toISOString(), to: to.toISOString(), generatedAt: now.toISOString(), items };
  }

  /** Technicians get their own jobs; the office may name a technician. */
  private whose(requested: string | undefined, caller: Caller): string {
    if (caller.role === 'technician') {
      if (requested && requested !== caller.userId) throw new AppError('FORBIDDEN', 'Technicians see only their own jobs');
      return caller.userId!;
    }
    if (!requested) throw invalidField('querystring.technicianId', 'required unless you are the technician');
    return requested;
  }

  private async asset(row: JobRow, alarms: Awaited<ReturnType<FieldAppRepository['openAlarms']>>): Promise<Job['asset']> {
    const assetId = row.asset_id!;
    const history = await this.options.history.history(assetId, { limit: 5 }, UNSCOPED);
    return {
      id: assetId,
      serialNumber: row.serial_number!,
      name: row.asset_name,
      modelId: row.model_id!,
      modelName: row.model_name,
      latestReading: await this.latest(assetId),
      openAlarms: alarms
        .filter((a) => a.asset_id === assetId)
        .map((a) => ({
          id: a.id,
          ruleId: a.rule_id,
          faultCode: a.fault_code,
          kind: a.kind,
          severity: a.severity,
          state: a.state,
          lastSeenAt: a.last_seen_at.toISOString(),
        })),
      history: history.items.map((h) => ({ at: h.at, kind: h.kind, title: h.title })),
    };
  }

  /** The reading's values are `metrics` (a field named `values` reads as money to the money registry). */
  private async latest(assetId: string): Promise<{ time: string; metrics: Record<string, number> } | null> {
    if (!this.options.latestReading) return null;
    try {
      const reading = await this.options.latestReading(assetId);
      return reading ? { time: reading.time, metrics: reading.values } : null;
    } catch {
      return null;
    }
  }
}

function toPart(r: ReservationRow, technicianId: string): Job['reservedParts'][number] {
  return {
    sku: r.sku,
    description: r.description,
    unit: r.unit,
    quantity: Number(r.quantity),
    where: { kind: r.kind, mine: r.kind === 'van' && r.technician_id === technicianId, code: r.code, name: r.name, address: r.address },
  };
}

function excerpt(body: string): string {
  return body.length <= EXCERPT ? body : `${body.slice(0, EXCERPT - 1).trimEnd()}…`;
}

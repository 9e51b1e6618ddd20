/**
 * Reads what a ticket's invoice is computed from: the ticket with its customer, site and asset
 * warranty, the visits that took place with their labour and parts, catalogue prices and costs,
 * technicians' profiles (working hours, hourly cost, home base) and the labour rates.
 *
 * The stock catalogue (`parts`, 0007) and technician profiles (`technician_profiles`, 0008;
 * `visits.travel_minutes`) are other features' tables: they are used when present, probed through
 * information_schema, and everything falls back to defaults without them.
 */
import type { Queryable } from '../../kernel/db/database.js';
import { VisitsRepository } from '../visits/visits.repository.js';
import { DEFAULT_SKILL, haversineKm, type LabourWork, type PartWork, type RateCard, type VisitTravel } from './invoice-calculator.js';
import { outOfHoursShare, workingHoursCalendar } from './working-hours.js';

export interface InvoiceTicket {
  id: string;
  number: string;
  status: string;
  title: string;
  customer_id: string;
  customer_name: string;
  contract_id: string | null;
  asset_id: string | null;
  warranty_end: string | null;
  site_latitude: number | null;
  site_longitude: number | null;
}

export interface TicketWork {
  labour: LabourWork[];
  parts: PartWork[];
  visits: VisitTravel[];
}

interface VisitWorkRow {
  id: string;
  technician_id: string;
  actual_start: Date | null;
  actual_end: Date | null;
  planned_start: Date;
  travel_minutes: number | null;
}

interface ProfileRow {
  user_id: string;
  working_hours: unknown;
  timezone: string | null;
  hourly_cost: string | null;
  home_latitude: number | null;
  home_longitude: number | null;
}

export interface CatalogueEntry {
  description: string;
  price: number;
  cost: number;
}

/** Columns of other features' tables this repository uses when they exist. */
const OPTIONAL = {
  parts: ['sku', 'description', 'unit_price', 'unit_cost'],
  technician_profiles: ['user_id', 'working_hours', 'timezone', 'hourly_cost', 'home_latitude', 'home_longitude'],
  visits: ['travel_minutes'],
} as const;

export class InvoiceWorkRepository {
  private readonly visits = new VisitsRepository();

  async ticket(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<InvoiceTicket | undefined> {
    if (options.lock) await q.query('SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE', [id]);
    const { rows } = await q.query<InvoiceTicket>(
      `SELECT t.id, t.number, t.status, t.title, t.customer_id, c.name AS customer_name, t.contract_id, t.asset_id,
              a.warranty_end::text AS warranty_end, s.latitude AS site_latitude, s.longitude AS site_longitude
       FROM tickets t JOIN customers c ON c.id = t.customer_id
       LEFT JOIN assets a ON a.id = t.asset_id
       LEFT JOIN sites s ON s.id = COALESCE(t.site_id, a.site_id)
       WHERE t.id = $1`,
      [id],
    );
    return rows[0];
  }

  async rates(q: Queryable): Promise<Map<string, RateCard>> {
    const { rows } = await q.query<{ skill: string; hourly_rate: string; overtime_multiplier: string }>(
      'SELECT skill, hourly_rate::text AS hourly_rate, overtime_multiplier::text AS overtime_multiplier FROM labour_rates',
    );
    const rates = new Map(rows.map((r) => [r.skill, { hourlyRate: Number(r.hourly_rate), overtimeMultiplier: Number(r.overtime_multiplier) }]));
    if (!rates.has(DEFAULT_SKILL)) rates.set(DEFAULT_SKILL, { hourlyRate: 0, overtimeMultiplier: 1 });
    return rates;
  }

  /**
   * The ticket's work: visits not cancelled that took place (actual start) or have labour or
   * parts recorded, in the order they happened; their labour and parts with prices and costs.
   */
  async work(q: Queryable, ticket: InvoiceTicket, defaultHourlyCost: number): Promise<TicketWork> {
    const present = await this.optionalColumns(q);
    const has = (table: keyof typeof OPTIONAL) => OPTIONAL[table].every((c) => present.has(`${table}.${c}`));
    const travelMinutes = present.has('visits.travel_minutes') ? 'v.travel_minutes' : 'NULL::integer';
    const { rows: visits } = await q.query<VisitWorkRow>(
      `SELECT v.id, v.technician_id, v.actual_start, v.actual_end, v.planned_start, ${travelMinutes} AS travel_minutes
       FROM visits v
       WHERE v.ticket_id = $1 AND v.status <> 'cancelled'
         AND (v.actual_start IS NOT NULL OR EXISTS (SELECT 1 FROM visit_labour l WHERE l.visit_id = v.id)
              OR EXISTS (SELECT 1 FROM visit_parts p WHERE p.visit_id = v.id))
       ORDER BY COALESCE(v.actual_start, v.planned_start), v.created_at, v.id`,
      [ticket.id],
    );
    const ids = visits.map((v) => v.id);
    const [labour, parts] = await Promise.all([this.visits.labour(q, ids), this.visits.parts(q, ids)]);
    const profiles = await this.profiles(q, [...new Set(visits.map((v) => v.technician_id))], present);
    const catalogue = has('parts') ? await this.catalogue(q, [...new Set(parts.map((p) => p.sku))]) : new Map<string, CatalogueEntry>();

    const byVisit = new Map(
      visits.map((v) => {
        const profile = profiles.get(v.technician_id);
        const start = v.actual_start ?? v.planned_start;
        const calendar = profile ? workingHoursCalendar(profile.working_hours, profile.timezone) : null;
        const hourlyCost = profile?.hourly_cost != null ? Number(profile.hourly_cost) : defaultHourlyCost;
        const home =
          profile && profile.home_latitude != null && profile.home_longitude != null
            ? { latitude: profile.home_latitude, longitude: profile.home_longitude }
            : null;
        const site =
          ticket.site_latitude != null && ticket.site_longitude != null ? { latitude: ticket.site_latitude, longitude: ticket.site_longitude } : null;
        return [
          v.id,
          {
            travel: {
              visitId: v.id,
              workDate: start.toISOString().slice(0, 10),
              travelled: v.actual_start !== null,
              distanceKm: home && site ? 2 * haversineKm(home, site) : null,
              travelMinutes: v.travel_minutes,
              hourlyCost,
            } satisfies VisitTravel,
            share: v.actual_start ? outOfHoursShare(v.actual_start, v.actual_end, calendar) : 0,
          },
        ] as const;
      }),
    );
    return {
      visits: [...byVisit.values()].map((v) => v.travel),
      labour: labour.map((l) => {
        const visit = byVisit.get(l.visit_id)!;
        return {
          entryId: l.id,
          visitId: l.visit_id,
          workDate: visit.travel.workDate,
          minutes: l.minutes,
          prepaidMinutes: l.prepaid_minutes,
          skill: l.skill,
          overtime: l.overtime,
          outOfHoursShare: visit.share,
          description: l.description,
          hourlyCost: visit.travel.hourlyCost,
        };
      }),
      parts: parts.map((p) => {
        const known = catalogue.get(p.sku);
        return {
          entryId: p.id,
          visitId: p.visit_id,
          workDate: byVisit.get(p.visit_id)!.travel.workDate,
          sku: p.sku,
          description: p.description ?? known?.description ?? null,
          quantity: Number(p.quantity),
          unitPrice: p.unit_price !== null ? Number(p.unit_price) : (known?.price ?? null),
          unitCost: known?.cost ?? null,
        };
      }),
    };
  }

  private async optionalColumns(q: Queryable): Promise<Set<string>> {
    const { rows } = await q.query<{ name: string }>(
      `SELECT table_name || '.' || column_name AS name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = ANY($1::text[])`,
      [Object.keys(OPTIONAL)],
    );
    return new Set(rows.map((r) => r.name));
  }

  private async profiles(q: Queryable, technicianIds: string[], present: Set<string>): Promise<Map<string, ProfileRow>> {
    if (technicianIds.length === 0 || !present.has('technician_profiles.user_id')) return new Map();
    const column = (name: string, type: string) => (present.has(`technician_profiles.${name}`) ? `p.${name}` : `NULL::${type}`);
    const { rows } = await q.query<ProfileRow>(
      `SELECT p.user_id, ${column('working_hours', 'jsonb')} AS working_hours, ${column('timezone', 'text')} AS timezone,
              (${column('hourly_cost', 'numeric')})::text AS hourly_cost,
              ${column('home_latitude', 'double precision')} AS home_latitude, ${column('home_longitude', 'double precision')} AS home_longitude
       FROM technician_profiles p WHERE p.user_id = ANY($1::uuid[])`,
      [technicianIds],
    );
    return new Map(rows.map((r) => [r.user_id, r]));
  }

  /** Catalogue description, price and cost of the given SKUs (none without the stock feature's table). */
  async catalogueOf(q: Queryable, skus: readonly string[]): Promise<Map<string, CatalogueEntry>> {
    const present = await this.optionalColumns(q);
    return OPTIONAL.parts.every((c) => present.has(`parts.${c}`)) ? this.catalogue(q, [...new Set(skus)]) : new Map();
  }

  private async catalogue(q: Queryable, skus: string[]): Promise<Map<string, CatalogueEntry>> {
    if (skus.length === 0) return new Map();
    const { rows } = await q.query<{ sku: string; description: string; unit_price: string; unit_cost: string }>(
      'SELECT sku, description, unit_price::text AS unit_price, unit_cost::text AS unit_cost FROM parts WHERE sku = ANY($1::text[])',
      [skus],
    );
    return new Map(rows.map((r) => [r.sku, { description: r.description, price: Number(r.unit_price), cost: Number(r.unit_cost) }]));
  }
}

/**
 * The set-based queries behind the customer 360: one per section, each bounded by the
 * customer's indexes (no per-asset or per-ticket queries). Every method takes the customer id.
 */
import { ACTIVITY_COLUMNS, ACTIVITY_FROM, CUSTOMER_VISIBLE, type ActivityRow } from '../activities/activities.repository.js';
import { CONTACT_COLUMNS, type ContactRow } from '../contacts/contacts.repository.js';
import type { CustomValues } from '../custom-fields/custom-fields.schemas.js';
import type { Queryable } from '../../kernel/db/database.js';
import type { Priority } from '../sla/sla.policy.js';
import { OPEN_STATUSES, type TicketStatus } from '../tickets/ticket-workflow.js';
import { OPEN_STAGES, type OpportunityKind, type OpportunityStage } from '../opportunities/opportunity-stages.js';

export interface SiteRow {
  id: string;
  name: string;
  address: string | null;
  city: string | null;
  country: string | null;
  latitude: number | null;
  longitude: number | null;
  access_notes: string | null;
  custom: CustomValues;
}

export interface AssetStateRow {
  id: string;
  site_id: string;
  model_id: string;
  serial_number: string;
  name: string | null;
  install_date: string | null;
  warranty_end: string | null;
  custom: CustomValues;
  device_id: string | null;
  online: boolean | null;
  last_seen_at: Date | null;
  open_tickets: number;
  open_alarms: number;
  /** The most recently seen alarm of the asset (any state), or nulls. */
  alarm_id: string | null;
  alarm_rule_id: string | null;
  alarm_fault_code: string | null;
  alarm_kind: string | null;
  alarm_severity: string | null;
  alarm_state: 'active' | 'acknowledged' | 'cleared' | null;
  alarm_last_seen_at: Date | null;
}

export interface OpenTicketRow {
  id: string;
  number: string;
  title: string;
  status: TicketStatus;
  priority: Priority;
  asset_id: string | null;
  site_id: string | null;
  technician_id: string | null;
  response_due_at: Date;
  resolution_due_at: Date;
  responded_at: Date | null;
  resolved_at: Date | null;
  sla_paused_at: Date | null;
  created_at: Date;
}

export interface ContractSummaryRow {
  id: string;
  number: string;
  name: string;
  status: string;
  starts_on: string;
  ends_on: string | null;
  active_today: boolean;
  covered_assets: number;
  labour_coverage_pct: string | number;
  parts_coverage_pct: string | number;
  travel_included: boolean;
  prepaid_minutes_purchased: number;
  prepaid_minutes_balance: number;
  value: string | number | null;
  currency: string;
}

export interface OpenOpportunityRow {
  id: string;
  kind: OpportunityKind;
  stage: OpportunityStage;
  title: string;
  reason: string | null;
  asset_id: string | null;
  value: string | null;
  currency: string;
  owner_id: string | null;
  expected_close_on: string | null;
  created_at: Date;
}

export interface KpiRow {
  open_tickets: number;
  breached_open_tickets: number;
  tickets_window: number;
  resolved_window: number;
  met_window: number;
  mttr_seconds: number | string | null;
}

export class Customer360Repository {
  /** Primary contact first, then by name. `limit` rows plus one to detect truncation. */
  async contacts(q: Queryable, customerId: string, limit: number): Promise<ContactRow[]> {
    const { rows } = await q.query<ContactRow>(
      `SELECT ${CONTACT_COLUMNS} FROM contacts ct WHERE ct.customer_id = $1 ORDER BY ct.is_primary DESC, lower(ct.name), ct.id LIMIT ${limit + 1}`,
      [customerId],
    );
    return rows;
  }

  async sites(q: Queryable, customerId: string, limit: number): Promise<SiteRow[]> {
    const { rows } = await q.query<SiteRow>(
      `SELECT id, name, address, city, country, latitude, longitude, access_notes, custom FROM sites WHERE customer_id = $1 ORDER BY lower(name), id LIMIT ${limit + 1}`,
      [customerId],
    );
    return rows;
  }

  /** Assets with their active device's presence and their open-ticket count, in one query. */
  async assets(q: Queryable, customerId: string, limit: number): Promise<AssetStateRow[]> {
    const { rows } = await q.query<AssetStateRow>(
      `SELECT a.id, a.site_id, a.model_id, a.serial_number, a.name, a.install_date::text AS install_date,
              a.warranty_end::text AS warranty_end, a.custom, d.id AS device_id, d.online, d.last_seen_at,
              COALESCE(ot.open_tickets, 0)::int AS open_tickets,
              (SELECT count(*) FROM alarms oa WHERE oa.asset_id = a.id AND oa.state <> 'cleared')::int AS open_alarms,
              la.id AS alarm_id, la.rule_id AS alarm_rule_id, la.fault_code AS alarm_fault_code, la.kind AS alarm_kind,
              la.severity AS alarm_severity, la.state AS alarm_state, la.last_seen_at AS alarm_last_seen_at
       FROM assets a
       JOIN sites s ON s.id = a.site_id
       LEFT JOIN devices d ON d.asset_id = a.id AND d.status = 'active'
       LEFT JOIN LATERAL (
         SELECT al.id, al.rule_id, al.fault_code, al.kind, al.severity, al.state, al.last_seen_at FROM alarms al
         WHERE al.asset_id = a.id ORDER BY al.last_seen_at DESC, al.id LIMIT 1
       ) la ON true
       LEFT JOIN (
         SELECT t.asset_id, count(*) AS open_tickets FROM tickets t
         WHERE t.customer_id = $1 AND t.asset_id IS NOT NULL AND t.status = ANY($2::text[])
         GROUP BY t.asset_id
       ) ot ON ot.asset_id = a.id
       WHERE s.customer_id = $1
       ORDER BY COALESCE(ot.open_tickets, 0) DESC, a.serial_number, a.id
       LIMIT ${limit + 1}`,
      [customerId, OPEN_STATUSES],
    );
    return rows;
  }

  /** Open tickets, the most urgent (earliest resolution due) first. */
  async openTickets(q: Queryable, customerId: string, limit: number): Promise<OpenTicketRow[]> {
    const { rows } = await q.query<OpenTicketRow>(
      `SELECT t.id, t.number, t.title, t.status, t.priority, t.asset_id, t.site_id, t.technician_id, t.response_due_at,
              t.resolution_due_at, t.responded_at, t.resolved_at, t.sla_paused_at, t.created_at
       FROM tickets t WHERE t.customer_id = $1 AND t.status = ANY($2::text[])
       ORDER BY t.resolution_due_at, t.id LIMIT ${limit + 1}`,
      [customerId, OPEN_STATUSES],
    );
    return rows;
  }

  /** Contracts with their covered-asset count; active ones first, then the most recent. */
  async contracts(q: Queryable, customerId: string, today: string, limit: number): Promise<ContractSummaryRow[]> {
    const { rows } = await q.query<ContractSummaryRow>(
      `SELECT sc.id, sc.number, sc.name, sc.status, sc.starts_on::text AS starts_on, sc.ends_on::text AS ends_on,
              (sc.status = 'active' AND sc.starts_on <= $2::date AND (sc.ends_on IS NULL OR sc.ends_on >= $2::date)) AS active_today,
              (SELECT count(*) FROM contract_assets ca WHERE ca.contract_id = sc.id)::int AS covered_assets,
              sc.labour_coverage_pct, sc.parts_coverage_pct, sc.travel_included,
              sc.prepaid_minutes_purchased, sc.prepaid_minutes_balance, sc.value, sc.currency
       FROM service_contracts sc WHERE sc.customer_id = $1
       ORDER BY active_today DESC, sc.starts_on DESC, sc.id LIMIT ${limit + 1}`,
      [customerId, today],
    );
    return rows;
  }

  /** Open opportunities (new, qualified, proposed), the most advanced stage first, then the newest. */
  async openOpportunities(q: Queryable, customerId: string, limit: number): Promise<OpenOpportunityRow[]> {
    const { rows } = await q.query<OpenOpportunityRow>(
      `SELECT o.id, o.kind, o.stage, o.title, o.reason, o.asset_id, o.value::text AS value, o.currency, o.owner_id,
              o.expected_close_on::text AS expected_close_on, o.created_at
       FROM opportunities o WHERE o.customer_id = $1 AND o.stage = ANY($2::text[])
       ORDER BY CASE o.stage WHEN 'proposed' THEN 0 WHEN 'qualified' THEN 1 ELSE 2 END, o.created_at DESC, o.id LIMIT ${limit + 1}`,
      [customerId, OPEN_STAGES],
    );
    return rows;
  }

  /** Newest first; `customerView` hides internal notes. */
  async recentActivities(q: Queryable, customerId: string, limit: number, customerView: boolean): Promise<ActivityRow[]> {
    const { rows } = await q.query<ActivityRow>(
      `SELECT ${ACTIVITY_COLUMNS} FROM ${ACTIVITY_FROM}
       WHERE act.customer_id = $1${customerView ? ` AND ${CUSTOMER_VISIBLE}` : ''}
       ORDER BY act.occurred_at DESC, act.id DESC LIMIT ${limit}`,
      [customerId],
    );
    return rows;
  }

  /**
   * The KPIs in one pass over the customer's tickets that are open or touched the window
   * (breach conditions mirror sla.policy breaches()).
   */
  async kpis(q: Queryable, customerId: string, now: Date, since: Date): Promise<KpiRow> {
    const { rows } = await q.query<KpiRow>(
      `SELECT
         count(*) FILTER (WHERE t.status = ANY($2::text[]))::int AS open_tickets,
         count(*) FILTER (WHERE t.status = ANY($2::text[]) AND (
           COALESCE(t.responded_at, $3::timestamptz) > t.response_due_at
           OR COALESCE(t.sla_paused_at, $3::timestamptz) > t.resolution_due_at))::int AS breached_open_tickets,
         count(*) FILTER (WHERE t.created_at >= $4::timestamptz)::int AS tickets_window,
         count(*) FILTER (WHERE t.resolved_at >= $4::timestamptz AND t.status <> 'cancelled')::int AS resolved_window,
         count(*) FILTER (WHERE t.resolved_at >= $4::timestamptz AND t.status <> 'cancelled'
           AND t.resolved_at <= t.resolution_due_at AND COALESCE(t.responded_at, t.resolved_at) <= t.response_due_at)::int AS met_window,
         avg(EXTRACT(EPOCH FROM (t.resolved_at - t.created_at))) FILTER (WHERE t.resolved_at >= $4::timestamptz AND t.status <> 'cancelled') AS mttr_seconds
       FROM tickets t
       WHERE t.customer_id = $1 AND (t.status = ANY($2::text[]) OR t.created_at >= $4::timestamptz OR t.resolved_at >= $4::timestamptz)`,
      [customerId, OPEN_STATUSES, now, since],
    );
    return rows[0]!;
  }
}

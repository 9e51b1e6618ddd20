/**
 * Builds the customer 360 from a handful of set-based queries: the profile (with its tier) first
 * — it also enforces the scope: another customer's id is NOT_FOUND for a customer user — then
 * the sections in parallel (each one query, bounded by CUSTOMER_360_LIMITS). Money fields are
 * left in; the response hook removes them for roles that do not see them (src/access/auth/money.ts).
 */
import { toActivity } from '../activities/activities.repository.js';
import { UNSCOPED, type Scope } from '../../access/auth/principal.js';
import { toContact } from '../contacts/contacts.repository.js';
import type { Database } from '../../kernel/db/database.js';
import { notFound } from '../../kernel/errors.js';
import type { Clock } from '../../kernel/clock.js';
import { breaches } from '../sla/sla.policy.js';
import {
  Customer360Repository,
  type AssetStateRow,
  type ContractSummaryRow,
  type KpiRow,
  type OpenOpportunityRow,
  type OpenTicketRow,
  type SiteRow,
} from './customer-360.repository.js';
import { CUSTOMER_360_LIMITS, KPI_WINDOW_DAYS, type Customer360 } from './customer-360.schemas.js';
import { CustomersRepository } from './customers.repository.js';
import { toCustomer } from './customers.service.js';

const DAY_MS = 86_400_000;

export class Customer360Service {
  private readonly repo = new Customer360Repository();
  private readonly customers = new CustomersRepository();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    /** The latest readings of the assets; absent = none shown (readingsAvailable false). */
    private readonly telemetry?: LatestReadings,
  ) {}

  async get(customerId: string, scope: Scope = UNSCOPED): Promise<Customer360> {
    const now = this.clock.now();
    if (scope.customerId !== undefined && scope.customerId !== customerId) throw notFound('customer', customerId);
    const customer = await this.customers.find(this.db, customerId);
    if (!customer) throw notFound('customer', customerId);
    const limits = CUSTOMER_360_LIMITS;
    const since = new Date(now.getTime() - KPI_WINDOW_DAYS * DAY_MS);
    const [contacts, sites, assets, tickets, contracts, activities, kpis, opportunities] = await Promise.all([
      this.repo.contacts(this.db, customerId, limits.contacts),
      this.repo.sites(this.db, customerId, limits.sites),
      this.repo.assets(this.db, customerId, limits.assets),
      this.repo.openTickets(this.db, customerId, limits.openTickets),
      this.repo.contracts(this.db, customerId, now.toISOString().slice(0, 10), limits.contracts),
      this.repo.recentActivities(this.db, customerId, limits.activities, scope.customerId !== undefined),
      this.repo.kpis(this.db, customerId, now, since),
      // The sales pipeline is internal: customer users get none.
      scope.customerId !== undefined ? Promise.resolve([]) : this.repo.openOpportunities(this.db, customerId, limits.opportunities),
    ]);
    const shownAssets = assets.slice(0, limits.assets);
    const readings = await this.latestReadings(shownAssets.filter((a) => a.device_id !== null).slice(0, limits.readings));
    return {
      generatedAt: now.toISOString(),
      profile: {
        ...toCustomer(customer),
        tierBasis: { activeContracts: customer.active_contracts, activeContractValue: Number(customer.active_contract_value) },
      },
      contacts: contacts.slice(0, limits.contacts).map(toContact),
      sites: sites.slice(0, limits.sites).map(toSite),
      assets: shownAssets.map((a) => toAssetState(a, readings.values.get(a.id) ?? null)),
      openTickets: tickets.slice(0, limits.openTickets).map((t) => toTicketSummary(t, now)),
      contracts: contracts.slice(0, limits.contracts).map(toContractSummary),
      recentActivities: activities.map(toActivity),
      kpis: toKpis(kpis),
      readingsAvailable: readings.available,
      opportunities: { open: opportunities.slice(0, limits.opportunities).map(toOpportunitySummary), truncated: opportunities.length > limits.opportunities },
      truncated: {
        contacts: contacts.length > limits.contacts,
        sites: sites.length > limits.sites,
        assets: assets.length > limits.assets,
        openTickets: tickets.length > limits.openTickets,
        contracts: contracts.length > limits.contracts,
      },
    };
  }

  /**
   * The latest reading of each asset, read concurrently. Without a reader, or when InfluxDB does
   * not answer, the 360 still answers (the CRM side matters more on a call) with
   * readingsAvailable false.
   */
  private async latestReadings(assets: readonly AssetStateRow[]): Promise<{ available: boolean; values: Map<string, Reading> }> {
    const values = new Map<string, Reading>();
    if (!this.telemetry) return { available: false, values };
    const telemetry = this.telemetry;
    const results = await Promise.allSettled(assets.map(async (a) => [a.id, await telemetry.latest(a.id)] as const));
    for (const result of results) {
      if (result.status === 'rejected') return { available: false, values: new Map() };
      const [assetId, reading] = result.value;
      if (reading) values.set(assetId, { at: reading.time, metrics: reading.values });
    }
    return { available: true, values };
  }
}

type Reading = NonNullable<Customer360['assets'][number]['health']['latestReading']>;

/** The InfluxDB side of the 360 (TelemetryReader). */
export interface LatestReadings {
  latest(assetId: string): Promise<{ time: string; values: Record<string, number> } | null>;
}

function toSite(row: SiteRow): Customer360['sites'][number] {
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    city: row.city,
    country: row.country,
    latitude: row.latitude,
    longitude: row.longitude,
    accessNotes: row.access_notes,
    custom: row.custom,
  };
}

function toAssetState(row: AssetStateRow, latestReading: Reading | null): Customer360['assets'][number] {
  return {
    id: row.id,
    siteId: row.site_id,
    modelId: row.model_id,
    serialNumber: row.serial_number,
    name: row.name,
    installDate: row.install_date,
    warrantyEnd: row.warranty_end,
    custom: row.custom,
    device: row.device_id ? { id: row.device_id, online: row.online ?? false, lastSeenAt: row.last_seen_at ? row.last_seen_at.toISOString() : null } : null,
    openTickets: row.open_tickets,
    health: {
      openAlarms: row.open_alarms,
      latestAlarm:
        row.alarm_id && row.alarm_rule_id && row.alarm_kind && row.alarm_state && row.alarm_last_seen_at
          ? {
              id: row.alarm_id,
              ruleId: row.alarm_rule_id,
              faultCode: row.alarm_fault_code,
              kind: row.alarm_kind,
              severity: row.alarm_severity,
              state: row.alarm_state,
              lastSeenAt: row.alarm_last_seen_at.toISOString(),
            }
          : null,
      latestReading,
    },
  };
}

function toTicketSummary(row: OpenTicketRow, now: Date): Customer360['openTickets'][number] {
  return {
    id: row.id,
    number: row.number,
    title: row.title,
    status: row.status,
    priority: row.priority,
    assetId: row.asset_id,
    siteId: row.site_id,
    technicianId: row.technician_id,
    responseDueAt: row.response_due_at.toISOString(),
    resolutionDueAt: row.resolution_due_at.toISOString(),
    ...breaches({
      now,
      cancelled: false,
      responseDueAt: row.response_due_at,
      respondedAt: row.responded_at,
      resolutionDueAt: row.resolution_due_at,
      resolvedAt: row.resolved_at,
      pausedAt: row.sla_paused_at,
    }),
    createdAt: row.created_at.toISOString(),
  };
}

function toContractSummary(row: ContractSummaryRow): Customer360['contracts'][number] {
  return {
    id: row.id,
    number: row.number,
    name: row.name,
    status: row.status as Customer360['contracts'][number]['status'],
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    activeToday: row.active_today,
    coveredAssets: row.covered_assets,
    coverage: { labourPercent: Number(row.labour_coverage_pct), partsPercent: Number(row.parts_coverage_pct), travelIncluded: row.travel_included },
    prepaid: { purchasedMinutes: row.prepaid_minutes_purchased, balanceMinutes: row.prepaid_minutes_balance },
    value: row.value === null ? null : Number(row.value),
    currency: row.currency,
  };
}

function toOpportunitySummary(row: OpenOpportunityRow): Customer360['opportunities']['open'][number] {
  return {
    id: row.id,
    kind: row.kind,
    stage: row.stage,
    title: row.title,
    reason: row.reason,
    assetId: row.asset_id,
    offerValue: row.value === null ? null : Number(row.value),
    offerCurrency: row.currency,
    ownerId: row.owner_id,
    expectedCloseOn: row.expected_close_on,
    createdAt: row.created_at.toISOString(),
  };
}

function toKpis(row: KpiRow): Customer360['kpis'] {
  const mttr = row.mttr_seconds === null ? null : Number(row.mttr_seconds);
  return {
    openTickets: row.open_tickets,
    breachedOpenTickets: row.breached_open_tickets,
    ticketsLast90Days: row.tickets_window,
    resolvedLast90Days: row.resolved_window,
    slaComplianceLast90Days: row.resolved_window === 0 ? null : Math.round((row.met_window / row.resolved_window) * 10_000) / 10_000,
    meanTimeToResolveHours: mttr === null ? null : Math.round((mttr / 3600) * 100) / 100,
  };
}

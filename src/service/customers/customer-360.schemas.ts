/**
 * GET /api/v1/customers/{id}/360 — everything an agent needs when the customer calls, in one
 * response, open sales opportunities included (their value only for the back office). Lists are capped
 * (CUSTOMER_360_LIMITS); `truncated` says which were cut, and the full lists are on the
 * resources' own routes.
 */
import { z } from 'zod';
import { money } from '../../access/auth/money.js';
import { activitySchema } from '../activities/activities.schemas.js';
import { contactSchema } from '../contacts/contacts.schemas.js';
import { CONTRACT_STATUSES } from '../contracts/contracts.schemas.js';
import { customValuesSchema } from '../custom-fields/custom-fields.schemas.js';
import { PRIORITIES } from '../sla/sla.policy.js';
import { TICKET_STATUSES } from '../tickets/ticket-workflow.js';
import { customerSchema } from './customers.schemas.js';
import { OPPORTUNITY_KINDS, OPPORTUNITY_STAGES } from '../opportunities/opportunity-stages.js';

/** Most items of each list in the 360 (the rest via the list routes). */
export const CUSTOMER_360_LIMITS = Object.freeze({
  contacts: 100,
  sites: 100,
  assets: 200,
  openTickets: 100,
  contracts: 50,
  activities: 20,
  opportunities: 50,
  /** Assets with a device whose latest reading is read from InfluxDB (the first ones listed). */
  readings: 50,
});
/** Window of the "last 90 days" KPIs, in days. */
export const KPI_WINDOW_DAYS = 90;

export const customer360Params = z.object({ id: z.uuid() });

const instant = z.iso.datetime();

const profileSchema = customerSchema.extend({
  tierBasis: z.object({
    activeContracts: z.number().int(),
    activeContractValue: money('customer360.activeContractValue', z.number()),
  }),
});

const siteSummary = z.object({
  id: z.uuid(),
  name: z.string(),
  address: z.string().nullable(),
  city: z.string().nullable(),
  country: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  accessNotes: z.string().nullable(),
  custom: customValuesSchema,
});

const assetSummary = z.object({
  id: z.uuid(),
  siteId: z.uuid(),
  modelId: z.string(),
  serialNumber: z.string(),
  name: z.string().nullable(),
  installDate: z.iso.date().nullable(),
  warrantyEnd: z.iso.date().nullable(),
  custom: customValuesSchema,
  device: z
    .object({ id: z.string(), online: z.boolean(), lastSeenAt: instant.nullable() })
    .nullable()
    .describe('The active device reporting for this asset; null when none is provisioned'),
  openTickets: z.number().int(),
  health: z
    .object({
      openAlarms: z.number().int().describe('Alarms not cleared (active or acknowledged)'),
      latestAlarm: z
        .object({
          id: z.uuid(),
          ruleId: z.string(),
          faultCode: z.string().nullable(),
          kind: z.string(),
          severity: z.string().nullable(),
          state: z.enum(['active', 'acknowledged', 'cleared']),
          lastSeenAt: instant,
        })
        .nullable()
        .describe('The most recently seen alarm, whatever its state; null when the asset never alarmed'),
      latestReading: z
        .object({ at: instant, metrics: z.record(z.string(), z.number()).describe('Metric name → value') })
        .nullable()
        .describe('The last telemetry reading (its metrics); null when none, when the asset has no device, or when readingsAvailable is false'),
    })
    .describe("The asset's health: alarms from the CRM database, the latest reading from InfluxDB"),
});

const ticketSummary = z.object({
  id: z.uuid(),
  number: z.string(),
  title: z.string(),
  status: z.enum(TICKET_STATUSES),
  priority: z.enum(PRIORITIES),
  assetId: z.uuid().nullable(),
  siteId: z.uuid().nullable(),
  technicianId: z.uuid().nullable(),
  responseDueAt: instant,
  resolutionDueAt: instant,
  responseBreached: z.boolean(),
  resolutionBreached: z.boolean(),
  createdAt: instant,
});

const contractSummary = z.object({
  id: z.uuid(),
  number: z.string(),
  name: z.string(),
  status: z.enum(CONTRACT_STATUSES),
  startsOn: z.iso.date(),
  endsOn: z.iso.date().nullable(),
  activeToday: z.boolean(),
  coveredAssets: z.number().int().describe('0 = a customer-level contract'),
  coverage: z.object({ labourPercent: z.number(), partsPercent: z.number(), travelIncluded: z.boolean() }),
  prepaid: z.object({ purchasedMinutes: z.number().int(), balanceMinutes: z.number().int() }),
  value: money('contract.value', z.number().nullable()),
  currency: money('contract.currency', z.string()),
});

/**
 * An open offer. offerValue/offerCurrency are money of kind `sales` (src/access/auth/money.ts): the
 * agent taking the call sees the offer, not what it is worth.
 */
const opportunitySummary = z.object({
  id: z.uuid(),
  kind: z.enum(OPPORTUNITY_KINDS),
  stage: z.enum(OPPORTUNITY_STAGES),
  title: z.string(),
  reason: z.string().nullable(),
  assetId: z.uuid().nullable(),
  offerValue: money('opportunity.value', z.number().nullable()),
  offerCurrency: money('opportunity.currency', z.string()),
  ownerId: z.uuid().nullable(),
  expectedCloseOn: z.iso.date().nullable(),
  createdAt: instant,
});

export const kpisSchema = z.object({
  openTickets: z.number().int(),
  breachedOpenTickets: z.number().int().describe('Open tickets past their response or resolution due time'),
  ticketsLast90Days: z.number().int().describe('Tickets opened in the window'),
  resolvedLast90Days: z.number().int(),
  slaComplianceLast90Days: z
    .number()
    .nullable()
    .describe('Share (0..1) of the tickets resolved in the window that met both response and resolution due times; null when none was resolved'),
  meanTimeToResolveHours: z.number().nullable().describe('Mean wall-clock hours from opening to resolution of the tickets resolved in the window'),
});

export const customer360Schema = z.object({
  generatedAt: instant,
  profile: profileSchema,
  contacts: z.array(contactSchema).describe('Primary contact first'),
  sites: z.array(siteSummary),
  assets: z.array(assetSummary),
  openTickets: z.array(ticketSummary).describe('Most urgent (earliest resolution due) first'),
  contracts: z.array(contractSummary).describe('Active first, then the most recent'),
  recentActivities: z.array(activitySchema).describe('Newest first (customer users: without internal notes)'),
  kpis: kpisSchema,
  readingsAvailable: z
    .boolean()
    .describe("false when the latest readings could not be read (InfluxDB unreachable or not configured): the assets' latestReading is then null"),
  opportunities: z
    .object({ open: z.array(opportunitySummary).describe('Proposed first, then qualified, then new'), truncated: z.boolean() })
    .describe('Open sales opportunities (empty for customer users)'),
  truncated: z
    .object({ contacts: z.boolean(), sites: z.boolean(), assets: z.boolean(), openTickets: z.boolean(), contracts: z.boolean() })
    .describe('true where a list was cut at its limit'),
});
export type Customer360 = z.infer<typeof customer360Schema>;

/**
 * Field operations of the demo, through the services and their zod contracts: technician
 * profiles (skill levels, home base, Monday–Friday 07:00–17:00 in their zone, hourly cost),
 * labour rates, preventive maintenance plans on contracts, and notification preferences of some
 * primary contacts.
 *
 * Profiles are saved after the history: scheduling rules (working hours, no double booking)
 * apply to technicians with a profile, and the months of history were not planned by them.
 */
import type { Actor } from '../../access/audit/audit.service.js';
import { putLabourRateBody } from '../../service/invoicing/invoicing.schemas.js';
import { InvoicesService } from '../../service/invoicing/invoices.service.js';
import { putPreferencesBody } from '../../service/notifications/notifications.schemas.js';
import { NotificationsService } from '../../service/notifications/notifications.service.js';
import type { Database } from '../../kernel/db/database.js';
import { createPlanBody } from '../../service/preventive/maintenance-plans.schemas.js';
import { MaintenancePlansService } from '../../service/preventive/maintenance-plans.service.js';
import { addMonths } from '../../service/preventive/preventive-schedule.js';
import { settableClock } from '../../kernel/clock.js';
import { updateProfileBody } from '../../service/technicians/technicians.schemas.js';
import { TechniciansService } from '../../service/technicians/technicians.service.js';
import { TicketsService } from '../../service/tickets/tickets.service.js';
import type { DemoTechnician } from './demo-company.data.js';
import { DEMO_LABOUR_RATES, MAINTENANCE_TEMPLATES, SITE_INSPECTION_TEMPLATE } from './demo-field.data.js';

const DAY = 86_400_000;
const WORKDAY = [['07:00', '17:00']] as const;
const isoDate = (d: Date) => d.toISOString().slice(0, 10);

export async function seedTechnicianProfiles(
  db: Database,
  actor: Actor,
  technicians: readonly { id: string; data: DemoTechnician }[],
  at: Date,
): Promise<number> {
  const clock = settableClock(at);
  const service = new TechniciansService(db, { clock, tickets: new TicketsService(db, clock) });
  for (const { id, data } of technicians) {
    const patch = updateProfileBody.parse({
      skills: Object.entries(data.skills).map(([name, level]) => ({ name, level })),
      homeBase: { lat: data.home.lat, lon: data.home.lon, label: data.home.label },
      timezone: data.timeZone,
      workingHours: { mon: WORKDAY, tue: WORKDAY, wed: WORKDAY, thu: WORKDAY, fri: WORKDAY },
      hourlyCost: data.hourlyCost,
    });
    await service.update(id, patch, { actor });
  }
  return technicians.length;
}

export async function seedLabourRates(db: Database, actor: Actor, at: Date): Promise<number> {
  const service = new InvoicesService(db, settableClock(at));
  for (const r of DEMO_LABOUR_RATES)
    await service.putLabourRate(r.skill, putLabourRateBody.parse({ hourlyRate: r.hourlyRate, overtimeMultiplier: r.overtimeMultiplier }), actor);
  return DEMO_LABOUR_RATES.length;
}

export interface PlanContract {
  readonly id: string;
  readonly plan: 'premium' | 'standard' | 'prepaid';
  /** Models of the contract's assets. */
  readonly modelIds: readonly string[];
}

/**
 * Premium contracts get the model's service plan for each model they cover; standard contracts
 * an annual site inspection; prepaid ones none. The first due dates are staggered 5 to 92 days
 * ahead in 11-day steps (the first falls inside the 14 lead days: the worker generates its
 * visits on its first run).
 */
export async function seedMaintenancePlans(
  db: Database,
  actor: Actor,
  contracts: readonly PlanContract[],
  catalogue: ReadonlySet<string>,
  now: Date,
): Promise<number> {
  const service = new MaintenancePlansService(db);
  let count = 0;
  const anchor = (intervalMonths: number) => addMonths(isoDate(new Date(now.getTime() + (5 + ((11 * count) % 88)) * DAY)), -intervalMonths);
  for (const contract of contracts) {
    if (contract.plan === 'premium') {
      for (const modelId of contract.modelIds) {
        const t = MAINTENANCE_TEMPLATES[modelId];
        if (!t) continue;
        const input = createPlanBody.parse({
          name: t.name,
          checklist: [...t.checklist],
          modelId,
          intervalMonths: t.intervalMonths,
          ...(t.intervalRunningHours ? { intervalRunningHours: t.intervalRunningHours } : {}),
          estimatedMinutes: t.estimatedMinutes,
          requiredSkill: t.requiredSkill,
          parts: t.parts.filter((p) => catalogue.has(p.sku)).map((p) => ({ sku: p.sku, quantity: p.quantity, consumable: true })),
          startsOn: anchor(t.intervalMonths),
        });
        await service.create(contract.id, input, actor);
        count++;
      }
    } else if (contract.plan === 'standard') {
      const t = SITE_INSPECTION_TEMPLATE;
      await service.create(
        contract.id,
        createPlanBody.parse({
          name: t.name,
          checklist: [...t.checklist],
          intervalMonths: t.intervalMonths,
          estimatedMinutes: t.estimatedMinutes,
          startsOn: anchor(t.intervalMonths),
        }),
        actor,
      );
      count++;
    }
  }
  return count;
}

/**
 * Explicit e-mail preferences for the primary contact of every other customer, dates in the
 * customer's zone; every fourth asks for fewer events. The messages' language is the contact's.
 */
export async function seedNotificationPreferences(
  db: Database,
  actor: Actor,
  customers: readonly { id: string; timeZone: string }[],
  at: Date,
): Promise<number> {
  const service = new NotificationsService(db, settableClock(at));
  const { rows } = await db.query<{ id: string; customer_id: string }>('SELECT id, customer_id FROM contacts WHERE is_primary ORDER BY created_at, id');
  const primary = new Map(rows.map((r) => [r.customer_id, r.id]));
  let count = 0;
  for (const [i, customer] of customers.entries()) {
    const contactId = primary.get(customer.id);
    if (i % 2 === 1 || !contactId) continue;
    const events = i % 4 === 2 ? ['ticket.received', 'visit.scheduled', 'visit.completed'] : [];
    await service.putPreferences(contactId, putPreferencesBody.parse({ events, channels: ['email'], timeZone: customer.timeZone }), actor);
    count++;
  }
  return count;
}

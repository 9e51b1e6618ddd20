/**
 * Service history for the demo: tickets from past months that went the whole way (assigned,
 * scheduled, visit with labour and parts, outcome, customer acceptance, resolved, closed), and
 * today's open work in every status. Everything goes through TicketsService and VisitsService
 * with a settable clock, so history rows, SLA figures and prepaid draw-downs are the real ones;
 * the parts a visit records leave stock (van, then nearest warehouse; a shortfall is backordered).
 */
import type { Caller } from '../../kernel/caller.js';
import type { Actor } from '../../access/audit/audit.service.js';
import { ContractsService } from '../../service/contracts/contracts.service.js';
import type { ModelRegistry } from '../../telemetry/models/models.registry.js';
import type { EquipmentModel } from '../../telemetry/models/models.schema.js';
import type { Database } from '../../kernel/db/database.js';
import { AppError } from '../../kernel/errors.js';
import { settableClock } from '../../kernel/clock.js';
import { TicketsService } from '../../service/tickets/tickets.service.js';
import type { TICKET_CHANNELS } from '../../service/tickets/tickets.schemas.js';
import { StockService } from '../../service/stock/stock.service.js';
import { VisitsService } from '../../service/visits/visits.service.js';
import type { Random } from './seed-random.js';

type TicketChannel = (typeof TICKET_CHANNELS)[number];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface HistoryAsset {
  readonly id: string;
  readonly modelId: string;
  readonly country: string;
  readonly customerIndex: number;
}

export interface HistoryPeople {
  readonly dispatcher: { id: string };
  readonly agent: { id: string };
  readonly technicians: readonly { id: string; skills: readonly string[]; territories: readonly string[] }[];
}

export interface HistoryOptions {
  readonly db: Database;
  readonly models: ModelRegistry;
  readonly random: Random;
  readonly now: Date;
  readonly assets: readonly HistoryAsset[];
  readonly customers: number;
  readonly people: HistoryPeople;
  /** Closed tickets per customer spread over the last six months. */
  readonly closedPerCustomer: number;
  /** List price per SKU of the parts catalogue; other parts get a random price. */
  readonly partPrices?: ReadonlyMap<string, number>;
  /** Contact who signs visits off, per customer index. */
  readonly acceptedBy: (customerIndex: number) => string;
  readonly log: (msg: string) => void;
}

type Fault = EquipmentModel['faults'][number];
type Tech = HistoryPeople['technicians'][number];

export interface HistoryCounts {
  closed: number;
  open: number;
  visits: number;
}

/** Next weekday 08:00 UTC at least `minHours` after `from`. */
function nextSlot(from: Date, minHours: number): Date {
  const t = new Date(from.getTime() + minHours * HOUR);
  const slot = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate(), 8));
  if (slot < t) slot.setUTCDate(slot.getUTCDate() + 1);
  while (slot.getUTCDay() === 0 || slot.getUTCDay() === 6) slot.setUTCDate(slot.getUTCDate() + 1);
  return slot;
}

export async function seedHistory(options: HistoryOptions): Promise<HistoryCounts> {
  const { db, random, people } = options;
  const clock = settableClock(options.now);
  const tickets = new TicketsService(db, clock);
  // The seed back-dates history with its own clock, so it builds its services itself (no events: nobody listens yet).
  const visits = new VisitsService(db, clock, { tickets, stock: new StockService(db, { clock }) });
  const contracts = new ContractsService(db, clock);
  const dispatcher: Caller = { actor: { type: 'user', id: people.dispatcher.id }, role: 'dispatcher', userId: people.dispatcher.id };
  const agent: Caller = { actor: { type: 'user', id: people.agent.id }, role: 'agent', userId: people.agent.id };
  const system: Caller = { actor: { type: 'system', id: 'detection' } };
  const asTech = (tech: Tech): Caller => ({ actor: { type: 'user', id: tech.id }, role: 'technician', userId: tech.id });
  const counts: HistoryCounts = { closed: 0, open: 0, visits: 0 };

  const technicianFor = (fault: Fault, country: string): Tech => {
    const skilled = people.technicians.filter((t) => t.skills.includes(fault.skill));
    const local = skilled.filter((t) => t.territories.includes(country));
    return random.pick(local.length ? local : skilled.length ? skilled : people.technicians);
  };
  const faultOf = (asset: HistoryAsset): Fault | undefined => {
    const faults = options.models.get(asset.modelId)?.faults ?? [];
    return faults.length ? random.pick(faults) : undefined;
  };

  /** Labour on a prepaid contract may exceed the balance: the customer buys more hours first. */
  const addLabour = async (visitId: string, ticketContract: string | null, minutes: number, skill: string, tech: Tech) => {
    const input = { minutes, skill, overtime: false, description: 'Diagnosis and repair' };
    try {
      await visits.addLabour(visitId, input, asTech(tech));
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'CONFLICT' || !ticketContract) throw error;
      const actor: Actor = { type: 'user', id: people.dispatcher.id };
      await contracts.topUp(ticketContract, { minutes: 20 * 60, reason: 'Additional hours ordered by the customer' }, actor);
      await visits.addLabour(visitId, input, asTech(tech));
    }
  };

  /** One visit from planning to outcome; returns when it ended. */
  const doVisit = async (
    ticketId: string,
    contractId: string | null,
    tech: Tech,
    fault: Fault,
    start: Date,
    outcome: 'fixed' | 'another_visit_needed',
    customerIndex: number,
  ): Promise<Date> => {
    const caller = asTech(tech);
    const minutes = Math.min(12 * 60, Math.max(30, Math.round((fault.labourHours * 60 * random.between(0.7, 1.4)) / 15) * 15));
    const end = new Date(start.getTime() + minutes * MINUTE);
    const visit = await visits.create(
      ticketId,
      { technicianId: tech.id, plannedStart: start.toISOString(), plannedEnd: new Date(start.getTime() + Math.max(minutes, 120) * MINUTE).toISOString() },
      dispatcher,
    );
    counts.visits++;
    clock.set(new Date(start.getTime() - 45 * MINUTE));
    await tickets.transition(ticketId, { to: 'en_route' }, caller);
    clock.set(start);
    await tickets.transition(ticketId, { to: 'in_progress' }, caller);
    await visits.update(visit.id, { actualStart: start.toISOString() }, caller);
    clock.set(end);
    await addLabour(visit.id, contractId, minutes, fault.skill, tech);
    if (outcome === 'fixed') {
      for (const part of fault.parts) {
        const drawn = Math.round(random.between(15, 900));
        // The back office records the history's parts with their prices (a technician may not set one).
        await visits.addPart(
          visit.id,
          { sku: part.sku, quantity: part.quantity, description: part.description, unitPrice: options.partPrices?.get(part.sku) ?? drawn },
          dispatcher,
        );
      }
    }
    const notes =
      outcome === 'fixed'
        ? `${fault.actions[0] ?? 'Repaired'}. Equipment back in normal operation.`
        : `Diagnosed: ${fault.title}. Parts ordered, second visit needed.`;
    await visits.update(visit.id, { outcome, actualEnd: end.toISOString(), notes }, caller);
    await visits.accept(visit.id, { name: options.acceptedBy(customerIndex), confirmation: 'Work carried out as described.' }, caller);
    return end;
  };

  const channelFor = (): TicketChannel => random.pick(['phone', 'phone', 'email', 'web', 'iot', 'iot']);
  const create = async (asset: HistoryAsset, fault: Fault, at: Date, channel = channelFor()) => {
    clock.set(at);
    return tickets.create(
      {
        channel,
        type: 'breakdown',
        priority: fault.priority,
        title: fault.title,
        description: channel === 'iot' ? `Detected from telemetry: ${fault.diagnosis}` : `Customer reports: ${fault.title.toLowerCase()}.`,
        assetId: asset.id,
        faultCode: fault.code,
      },
      channel === 'iot' ? system : agent,
    );
  };

  // ---- closed history -------------------------------------------------------------------------
  const byCustomer = (i: number) => options.assets.filter((a) => a.customerIndex === i);
  for (let c = 0; c < options.customers; c++) {
    const own = byCustomer(c);
    if (own.length === 0) continue;
    for (let k = 0; k < options.closedPerCustomer; k++) {
      const asset = random.pick(own);
      const fault = faultOf(asset);
      if (!fault) continue;
      const created = new Date(options.now.getTime() - random.between(10, 180) * DAY);
      created.setUTCHours(6 + random.int(0, 9), random.int(0, 59), 0, 0);
      const ticket = await create(asset, fault, created);
      const tech = technicianFor(fault, asset.country);
      clock.set(new Date(created.getTime() + random.int(10, 90) * MINUTE));
      await tickets.assign(ticket.id, { technicianId: tech.id }, dispatcher);
      clock.set(new Date(clock.now().getTime() + 10 * MINUTE));
      await tickets.transition(ticket.id, { to: 'scheduled' }, dispatcher);
      const urgent = fault.priority === 'critical' || fault.priority === 'high';
      const first = urgent ? new Date(clock.now().getTime() + random.int(2, 5) * HOUR) : nextSlot(clock.now(), 12);
      const twice = random.chance(0.2);
      let end = await doVisit(ticket.id, ticket.contractId, tech, fault, first, twice ? 'another_visit_needed' : 'fixed', c);
      if (twice) {
        clock.set(new Date(end.getTime() + 10 * MINUTE));
        await tickets.transition(ticket.id, { to: 'scheduled', reason: 'Second visit with the parts' }, asTech(tech));
        end = await doVisit(ticket.id, ticket.contractId, tech, fault, nextSlot(clock.now(), 40), 'fixed', c);
      }
      clock.set(new Date(end.getTime() + 15 * MINUTE));
      await tickets.transition(ticket.id, { to: 'resolved', reason: 'Fixed on site' }, asTech(tech));
      clock.set(new Date(end.getTime() + random.int(1, 3) * DAY));
      await tickets.transition(ticket.id, { to: 'closed' }, dispatcher);
      counts.closed++;
    }
    options.log(`  history: customer ${c + 1}/${options.customers}`);
  }

  // ---- today's open work: one ticket per customer, cycling through the open statuses ---------
  const states = ['new', 'assigned', 'scheduled', 'in_progress', 'on_hold'] as const;
  for (let c = 0; c < options.customers; c++) {
    const own = byCustomer(c);
    const asset = own.length ? random.pick(own) : undefined;
    const fault = asset && faultOf(asset);
    if (!asset || !fault) continue;
    const state = states[c % states.length]!;
    const created = new Date(options.now.getTime() - random.int(1, state === 'new' ? 3 : 30) * HOUR);
    const ticket = await create(asset, fault, created, state === 'new' ? 'iot' : channelFor());
    counts.open++;
    if (state === 'new') continue;
    const tech = technicianFor(fault, asset.country);
    clock.set(new Date(created.getTime() + 20 * MINUTE));
    await tickets.assign(ticket.id, { technicianId: tech.id }, dispatcher);
    if (state === 'assigned') continue;
    clock.set(new Date(created.getTime() + 30 * MINUTE));
    await tickets.transition(ticket.id, { to: 'scheduled' }, dispatcher);
    if (state === 'scheduled') {
      const start = nextSlot(options.now, 1);
      await visits.create(
        ticket.id,
        { technicianId: tech.id, plannedStart: start.toISOString(), plannedEnd: new Date(start.getTime() + 2 * HOUR).toISOString() },
        dispatcher,
      );
      counts.visits++;
      continue;
    }
    const start = new Date(created.getTime() + 2 * HOUR);
    const visit = await visits.create(
      ticket.id,
      { technicianId: tech.id, plannedStart: start.toISOString(), plannedEnd: new Date(start.getTime() + 3 * HOUR).toISOString() },
      dispatcher,
    );
    counts.visits++;
    clock.set(start);
    await tickets.transition(ticket.id, { to: 'in_progress' }, asTech(tech));
    await visits.update(visit.id, { actualStart: start.toISOString() }, asTech(tech));
    if (state === 'on_hold') {
      clock.set(new Date(start.getTime() + HOUR));
      await tickets.transition(
        ticket.id,
        { to: 'on_hold', holdReason: 'parts', reason: `Waiting for ${fault.parts[0]?.description ?? 'parts'}` },
        asTech(tech),
      );
    }
  }
  clock.set(options.now);
  return counts;
}

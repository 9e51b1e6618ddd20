/** A ticket row as the API shows it, with its SLA breach flags at `now`. */
import type { TicketRow } from './tickets.repository.js';
import type { Ticket } from './tickets.schemas.js';
import { breachFlags } from './ticket-sla.js';

export function toTicket(row: TicketRow, now: Date): Ticket {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: row.id,
    number: row.number,
    channel: row.channel as Ticket['channel'],
    type: row.type as Ticket['type'],
    priority: row.priority,
    title: row.title,
    description: row.description,
    customerId: row.customer_id,
    siteId: row.site_id,
    assetId: row.asset_id,
    contractId: row.contract_id,
    faultCode: row.fault_code,
    status: row.status,
    holdReason: row.hold_reason as Ticket['holdReason'],
    technicianId: row.technician_id,
    slaSource: row.sla_source,
    responseDueAt: row.response_due_at.toISOString(),
    resolutionDueAt: row.resolution_due_at.toISOString(),
    respondedAt: iso(row.responded_at),
    resolvedAt: iso(row.resolved_at),
    closedAt: iso(row.closed_at),
    cancelledAt: iso(row.cancelled_at),
    slaPausedSince: iso(row.sla_paused_at),
    slaPausedMinutes: row.sla_paused_minutes,
    ...breachFlags(row, now),
    firstTimeFix: row.first_time_fix,
    statusChangedAt: row.status_changed_at.toISOString(),
    createdBy: { type: row.created_by_type, id: row.created_by_id },
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * The SLA watch: open tickets whose next due time (response until responded, resolution until
 * resolved; a resolution clock paused for the customer is not watched) is within the lead time
 * get `ticket.sla_at_risk`, and once it has passed `ticket.sla_breached` — each once per ticket,
 * target and due time. The row in ticket_sla_alerts is claimed (INSERT ... ON CONFLICT DO
 * NOTHING) before the event is published, so concurrent workers never send one twice; a due time
 * moved by a priority change or a pause is a new due time and alerts again.
 */
import type { Clock } from '../../kernel/clock.js';
import type { Database } from '../../kernel/db/database.js';
import { publishSafely, type TicketEventsPort, type TicketEventType } from '../delivery/ticket-events.js';
import type { TicketsService } from './tickets.service.js';
import { OPEN_STATUSES } from './ticket-workflow.js';

export interface SlaWatchOptions {
  /** Minutes before a due time a ticket is at risk. */
  readonly leadMinutes: number;
  /** Tickets looked at per run (the most urgent first). Default 500. */
  readonly batch?: number;
}

interface DueRow {
  id: string;
  target: 'response' | 'resolution';
  due_at: Date;
}

export class SlaWatchService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly tickets: Pick<TicketsService, 'get'>,
    private readonly events: TicketEventsPort | undefined,
    private readonly options: SlaWatchOptions,
  ) {}

  /** One pass; returns how many events were sent. */
  async run(): Promise<{ atRisk: number; breached: number }> {
    const now = this.clock.now();
    const horizon = new Date(now.getTime() + this.options.leadMinutes * 60_000);
    const { rows } = await this.db.query<DueRow>(
      `SELECT id, target, due_at FROM (
         SELECT t.id, 'response' AS target, t.response_due_at AS due_at FROM tickets t
          WHERE t.status = ANY($1::text[]) AND t.responded_at IS NULL AND t.response_due_at <= $2
         UNION ALL
         SELECT t.id, 'resolution', t.resolution_due_at FROM tickets t
          WHERE t.status = ANY($1::text[]) AND t.resolved_at IS NULL AND t.sla_paused_at IS NULL AND t.resolution_due_at <= $2
       ) d
       WHERE NOT EXISTS (SELECT 1 FROM ticket_sla_alerts a WHERE a.ticket_id = d.id AND a.target = d.target AND a.due_at = d.due_at
                           AND a.kind = CASE WHEN d.due_at <= $3 THEN 'breached' ELSE 'at_risk' END)
       ORDER BY due_at, id LIMIT $4`,
      [OPEN_STATUSES, horizon, now, this.options.batch ?? 500],
    );
    const sent = { atRisk: 0, breached: 0 };
    for (const row of rows) {
      const kind = row.due_at.getTime() <= now.getTime() ? 'breached' : 'at_risk';
      const claimed = await this.db.query(
        `INSERT INTO ticket_sla_alerts (ticket_id, target, due_at, kind, sent_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING ticket_id`,
        [row.id, row.target, row.due_at, kind, now],
      );
      if (claimed.rows.length === 0) continue;
      const type: TicketEventType = kind === 'breached' ? 'ticket.sla_breached' : 'ticket.sla_at_risk';
      const ticket = await this.tickets.get(row.id);
      await publishSafely(this.events, { type, ticket, sla: { target: row.target, dueAt: row.due_at.toISOString(), minutesLeft: Math.round((row.due_at.getTime() - now.getTime()) / 60_000) } });
      if (kind === 'breached') sent.breached++;
      else sent.atRisk++;
    }
    return sent;
  }
}

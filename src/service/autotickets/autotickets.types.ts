/** Options and results of AutoTicketService (autotickets.service.ts). */
import type { Logger } from '../../kernel/logger.js';
import type { Alarm } from '../alarms/alarms.schemas.js';
import type { AlarmsService } from '../alarms/alarms.service.js';
import type { DispatchService } from '../dispatch/dispatch.service.js';
import type { StockService } from '../stock/stock.service.js';
import type { Ticket } from '../tickets/tickets.schemas.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import type { PrefillOptions } from './prefill.builder.js';

export interface AutoTicketOptions extends PrefillOptions {
  /** The process's one TicketsService: ticket moves made here reach the live feed and webhooks. */
  readonly tickets: TicketsService;
  /** The process's AlarmsService (alarms module). Absent: one of its own, keeping `alarmHistoryLimit` entries. */
  readonly alarms?: AlarmsService;
  /** Evidence entries kept in an alarm's jsonb history when no `alarms` is given. Default 20. */
  readonly alarmHistoryLimit?: number;
  /** Reserves the catalogue parts of a new auto-ticket at the nearest stock. None = parts stay 'unknown'. */
  readonly stock?: Pick<StockService, 'reserveForTicket'>;
  /** Dispatches a new auto-ticket when the dispatch settings' auto-assign policy is on. */
  readonly dispatch?: Pick<DispatchService, 'autoAssign'>;
  /** Where failures of those after-commit steps are reported (the ticket stands either way). */
  readonly logger?: Logger;
}

export type OpenOutcome = 'created' | 'appended' | 'duplicate' | 'alarm_only';

export interface OpenResult {
  /** created: new ticket; appended: evidence added to the open one; duplicate: replayed finding, nothing written; alarm_only: no fault code. */
  readonly outcome: OpenOutcome;
  readonly alarm: Alarm;
  /** The finding opened a new alarm (metrics: telemend_alarms_opened_total). */
  readonly alarmCreated: boolean;
  readonly ticket: Ticket | null;
}

export interface ClearOptions {
  /** Cancel the ticket when it was not dispatched yet (the rule's `autoCancelTransient`). Default false. */
  readonly autoCancelTransient?: boolean;
  /** Clear only this rule's alarm (default: every open alarm of the asset with the fault code). */
  readonly ruleId?: string;
}

export interface ApplyOptions extends Pick<ClearOptions, 'autoCancelTransient'> {
  /** The rule's ticket policy (default immediate): persist and never only raise the alarm (see raiseAlarm, openForAlarm). */
  readonly ticket?: 'immediate' | 'persist' | 'never';
}

/** still_active: another rule still fires for this fault on the asset, the ticket is left as it is. */
export type ClearOutcome = 'no_ticket' | 'still_active' | 'flagged' | 'cancelled' | 'already_flagged' | 'already_dispatched';

export interface ClearResult {
  readonly outcome: ClearOutcome;
  readonly clearedAlarms: number;
  readonly ticket: Ticket | null;
}

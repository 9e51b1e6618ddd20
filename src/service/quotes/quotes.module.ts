/** Quotes: priced offers for a ticket's work, sent to the customer, accepted or declined; an accepted quote is its invoice's basis. */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import type { TicketEventsPort } from '../delivery/ticket-events.js';
import type { NotifierPort } from '../notifications/notification.port.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import { quotesMigration } from './quotes.migration.js';
import { quotesRoutes } from './quotes.routes.js';
import { QuotesService } from './quotes.service.js';

export interface QuotesModuleDeps extends Pick<Core, 'db' | 'clock' | 'config'> {
  readonly tickets: TicketsService;
  /** quote.sent/accepted/declined on the live feed and webhooks; absent = nothing published (tests). */
  readonly ticketEvents?: TicketEventsPort | undefined;
  /** The quote e-mail to the customer (outbox); absent = nobody notified (tests). */
  readonly notifier?: NotifierPort | undefined;
}

export const quotesModule = defineModule({
  name: 'quotes',
  migrations: [quotesMigration],
  build({ db, clock, config, tickets, ticketEvents, notifier }: QuotesModuleDeps) {
    const quotes = new QuotesService(db, clock, { tickets, events: ticketEvents, notifier }, { validityDays: config.QUOTE_VALIDITY_DAYS });
    // `invoiceBasis`: invoicing charges a ticket's accepted quote instead of its recorded work.
    return { exports: { quotes, invoiceBasis: quotes }, routes: (app) => quotesRoutes(app, { quotes }) };
  },
});

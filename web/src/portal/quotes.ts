/** Quotes: until the quotes API is installed the portal says so (the routes answer "No route"). */
import { h } from '../shared/dom';
import type { PortalContext } from './context';
import { emptyState, pageHeader } from './widgets';

export async function quotesPage(ctx: PortalContext): Promise<HTMLElement> {
  const { t } = ctx;
  return h('div.page', pageHeader(t.t('quotes.title')), emptyState(t.t('quotes.unavailable')));
}

/** The quotes of one ticket, as a card; null when there are none. */
export async function quotesOfTicket(_ctx: PortalContext, _ticketId: string): Promise<HTMLElement | null> {
  return null;
}

/** The intake: the search box first (the caller is on the line), then today's follow-ups and the latest phone tickets. */
import { h, mount } from '../shared/dom';
import { client, ok } from './api';
import { t, when } from './i18n';
import { card, loading, pageHead, priorityChip, statusChip, table } from './parts';
import { createSearch, hitHref } from './search';
import { dueTasksCard } from './tasks';
import type { Render } from './routes';

export const renderIntake: Render = async (view, _params, _query, alive) => {
  const recent = h('div');
  const tasks = h('div');
  mount(
    view,
    pageHead(t('intake.title'), t('intake.sub')),
    h(
      'section.intake-hero',
      { 'aria-label': t('intake.searchLabel') },
      createSearch((hit) => (location.hash = hitHref(hit))),
      h('p.muted.small.intake-hint', t('intake.hint')),
    ),
    h('div.grid-2', tasks, recent),
  );
  view.querySelector<HTMLInputElement>('#intake-search')?.focus();
  void dueTasksCard(tasks, alive);
  await loading(
    recent,
    async () => {
      const list = await ok(client.GET('/api/v1/tickets', { params: { query: { channel: 'phone', sort: '-createdAt', limit: 8 } } }));
      return card(
        t('intake.recent'),
        table(
          list.items,
          [
            { head: t('ticket.number'), cell: (x) => h('a', { href: `#/ticket/${x.id}` }, x.number) },
            { head: t('ticket.titleField'), cell: (x) => x.title },
            { head: t('ticket.status'), cell: (x) => statusChip(x.status) },
            { head: t('ticket.priority'), cell: (x) => priorityChip(x.priority), wide: true },
            { head: t('ticket.created'), cell: (x) => when(x.createdAt), wide: true },
          ],
          { empty: t('intake.noRecent'), onRow: (x) => (location.hash = `#/ticket/${x.id}`) },
        ),
      );
    },
    alive,
  );
};

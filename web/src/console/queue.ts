/**
 * The queue of unscheduled work beside the board: open tickets that are new or assigned without a
 * planned visit, the nearest SLA due first. Drag one onto a technician and a time to plan it.
 */
import { h, mount } from '../shared/dom';
import { empty, errorText, skeleton } from '../shared/ui';
import { client, ok, type Ticket } from './api';
import { priorityBadge, slaBadge } from './badges';
import { startDrag } from './drag';
import { dueOf } from './feed';

export type Queue = ReturnType<typeof createQueue>;

export function createQueue(options: { el: HTMLElement; onOpen(id: string): void }) {
  const { el, onOpen } = options;
  let items: Ticket[] | null = null;
  let error: string | null = null;
  let seq = 0;

  async function load(): Promise<void> {
    const mine = ++seq;
    try {
      const pages = await Promise.all(
        (['new', 'assigned'] as const).map((status) => ok(client.GET('/api/v1/tickets', { params: { query: { status, limit: 50, sort: 'slaDue' } } }))),
      );
      if (mine !== seq) return;
      items = pages.flatMap((p) => p.items).sort((a, b) => (dueOf(a) < dueOf(b) ? -1 : 1));
      error = null;
    } catch (e) {
      if (mine !== seq) return;
      error = errorText(e);
    }
    render();
  }

  function render(): void {
    const head = h('header.queue-head', h('h3', 'Unscheduled'), items ? h('span.muted.small', { dataset: { count: 'queue' } }, items.length) : null);
    if (!items) {
      mount(el, head, error ? empty('Queue unavailable', error, '!') : skeleton(3));
      return;
    }
    mount(
      el,
      head,
      items.length === 0
        ? h('p.muted.small.queue-empty', 'Everything open is scheduled.')
        : h(
            'ul.queue-list',
            { 'aria-label': 'Unscheduled tickets' },
            items.map((t) =>
              h(
                'li.queue-item',
                {
                  dataset: { id: t.id },
                  title: `${t.number} · ${t.title}\nDrag onto a technician and a time to plan it`,
                  onpointerdown: (event: PointerEvent) => startDrag(event, { kind: 'ticket', ticketId: t.id, label: `${t.number} · ${t.title}` }),
                },
                h(
                  'button.queue-open',
                  { type: 'button', onclick: () => onOpen(t.id), title: `Open ${t.number}` },
                  h('span.mono', t.number),
                  priorityBadge(t.priority),
                ),
                h('div.queue-title', t.title),
                slaBadge(t),
              ),
            ),
          ),
    );
  }

  render();
  return { load, render };
}

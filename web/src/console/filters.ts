/**
 * The feed's filters (Web Awesome selects and buttons): status, priority, technician, unassigned
 * only, and the order (newest first, or the nearest SLA breach first). Each change reloads the
 * feed from the server.
 */
import { h, mount } from '../shared/dom';
import { FILTERS, type Feed, type FeedFilters } from './feed';

type Select = HTMLElement & { value: string };

export function renderFilters(el: HTMLElement, feed: Feed, technicians: readonly { technicianId: string; name: string }[]): void {
  const again = (): void => renderFilters(el, feed, technicians);
  const select = (name: 'status' | 'priority' | 'technicianId', label: string, options: readonly (readonly [string, string])[]): HTMLElement =>
    h(
      `wa-select.filter-select.f-${name}`,
      {
        label,
        size: 'small',
        // Web Awesome's select shows an empty value as "nothing chosen": "any" stands for it.
        value: feed.filters[name] || 'any',
        dataset: { filter: name },
        onchange: (event: Event) => {
          const value = (event.target as Select).value;
          feed.setFilter(name, value === 'any' ? '' : value);
        },
      },
      options.map(([value, text]) => h('wa-option', { value }, text)),
    );
  const toggle = (name: 'unassigned', text: string, title: string): HTMLElement => {
    const on = feed.filters[name];
    return h(
      'wa-button.seg-btn.f-toggle',
      {
        size: 'small',
        appearance: on ? 'accent' : 'outlined',
        variant: on ? 'brand' : 'neutral',
        'aria-pressed': on ? 'true' : 'false',
        title,
        dataset: { filter: name },
        onclick: () => {
          feed.setFilter(name, !on);
          again();
        },
      },
      text,
    );
  };
  const sort = h(
    'wa-button-group.seg',
    { label: 'Order' },
    FILTERS.sort.map(([value, text]) =>
      h(
        'wa-button.seg-btn',
        {
          size: 'small',
          appearance: feed.filters.sort === value ? 'accent' : 'outlined',
          variant: feed.filters.sort === value ? 'brand' : 'neutral',
          'aria-pressed': feed.filters.sort === value ? 'true' : 'false',
          dataset: { sort: value },
          onclick: () => {
            feed.setFilter('sort', value as FeedFilters['sort']);
            again();
          },
        },
        text,
      ),
    ),
  );
  mount(
    el,
    h('div.filter-row', select('status', 'Status', FILTERS.status), select('priority', 'Priority', FILTERS.priority)),
    h(
      'div.filter-row',
      select('technicianId', 'Technician', [['any', 'Any technician'], ...technicians.map((t) => [t.technicianId, t.name] as const)]),
      toggle('unassigned', 'Unassigned', 'Only tickets nobody is assigned to'),
    ),
    h('div.filter-row', sort),
  );
}

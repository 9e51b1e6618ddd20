/** Building blocks of the desk's views: page heads, cards, tables, chips, form fields and the dialog. */
import { $, h, mount, type Child } from '../shared/dom';
import { empty, errorText, skeleton } from '../shared/ui';
import { label, t } from './i18n';

export function pageHead(title: string, sub?: Child, ...actions: Child[]): HTMLElement {
  document.title = `${title} · Telemend Desk`;
  return h('header.page-head', h('div.page-head-text', h('h1.page-title', title), sub ? h('div.page-sub.muted', sub) : null), h('div.page-actions', actions));
}

export function card(title: string | null, body: Child, ...actions: Child[]): HTMLElement {
  const id = title ? `card-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}` : undefined;
  return h(
    'section.card',
    id ? { 'aria-labelledby': id } : {},
    title ? h('header.card-head', h('h2', { id }, title), h('div.card-actions', actions)) : null,
    h('div.card-body', body),
  );
}

export interface Column<T> {
  head: string;
  cell(row: T): Child;
  /** Right-aligned numbers. */
  num?: boolean;
  /** Shown from tablet width up only. */
  wide?: boolean;
}

/** A table that turns into stacked rows on a phone (each cell labelled by its column). */
export function table<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  options: { empty?: string; onRow?: (row: T) => void; caption?: string } = {},
): HTMLElement {
  if (rows.length === 0) return empty(options.empty ?? t('common.none'));
  return h(
    'div.table-wrap',
    h(
      'table.table',
      options.caption ? h('caption.sr-only', options.caption) : null,
      h(
        'thead',
        h(
          'tr',
          columns.map((c) => h(`th${c.num ? '.num' : ''}${c.wide ? '.wide' : ''}`, { scope: 'col' }, c.head)),
        ),
      ),
      h(
        'tbody',
        rows.map((row) =>
          h(
            `tr${options.onRow ? '.clickable' : ''}`,
            options.onRow ? { onclick: (e: Event) => !(e.target as HTMLElement).closest('a,button') && options.onRow!(row) } : {},
            columns.map((c) => h(`td${c.num ? '.num' : ''}${c.wide ? '.wide' : ''}`, { 'data-label': c.head }, c.cell(row))),
          ),
        ),
      ),
    ),
  );
}

const STATUS_TONE: Record<string, string> = {
  new: 'muted',
  assigned: 'brand',
  scheduled: 'brand',
  en_route: 'warn',
  in_progress: 'warn',
  on_hold: 'warn',
  resolved: 'ok',
  closed: 'ok',
  cancelled: 'muted',
  draft: 'muted',
  active: 'ok',
  suspended: 'warn',
  expired: 'muted',
  terminated: 'bad',
  issued: 'brand',
  paid: 'ok',
  void: 'muted',
  sent: 'brand',
  accepted: 'ok',
  declined: 'bad',
  published: 'ok',
  open: 'brand',
  done: 'ok',
  requested: 'muted',
  shipped: 'brand',
  received: 'ok',
};
export const statusChip = (status: string | null | undefined): HTMLElement =>
  h(`span.chip.tone-${STATUS_TONE[status ?? ''] ?? 'muted'}`, label('status', status));
export const priorityChip = (priority: string | null | undefined): HTMLElement => h(`span.chip.prio-${priority ?? 'medium'}`, label('priority', priority));

/** Renders a loading skeleton into `el`, then what `load` resolves to, or an error message. */
export async function loading(el: HTMLElement, load: () => Promise<Child>, alive: () => boolean = () => true): Promise<void> {
  mount(el, skeleton(4));
  try {
    const content = await load();
    if (alive()) mount(el, content);
  } catch (error) {
    if (alive()) mount(el, h('div', { role: 'alert' }, empty(t('common.loadFailed'), errorText(error), '!')));
  }
}

let fieldSeq = 0;
/** A labelled form control: input, select or textarea. */
export function field(text: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  control.classList.add('control');
  return h('div.field', h('label', { for: id }, text), control, hint ? h('div.hint.muted.small', hint) : null);
}

export function select(name: string, options: readonly (readonly [string, string])[], value?: string): HTMLSelectElement {
  const el = h(
    'select',
    { name },
    options.map(([v, text]) => h('option', { value: v }, text)),
  );
  if (value !== undefined) el.value = value;
  return el;
}

type Dialog = HTMLElement & { open: boolean; label: string };
/** Opens the shared dialog with `title` and `body`; resolves when it closes. */
export function openDialog(title: string, body: Child): { close(): void; closed: Promise<void> } {
  const dialog = $<Dialog>('#dialog');
  dialog.label = title;
  mount($('#dialog-body'), body);
  dialog.open = true;
  const closed = new Promise<void>((resolve) => {
    const done = (event: Event): void => {
      if (event.target !== dialog) return;
      dialog.removeEventListener('wa-after-hide', done);
      resolve();
    };
    dialog.addEventListener('wa-after-hide', done);
  });
  return { close: () => (dialog.open = false), closed };
}

/** A submit button that shows it is busy while `run` is pending. */
export async function busy<T>(button: HTMLButtonElement, run: () => Promise<T>): Promise<T> {
  button.disabled = true;
  try {
    return await run();
  } finally {
    button.disabled = false;
  }
}

/** A definition list of label/value pairs (null values skipped). */
export const facts = (pairs: readonly (readonly [string, Child] | null | false)[]): HTMLElement =>
  h(
    'dl.facts',
    pairs.filter((p): p is readonly [string, Child] => Boolean(p)).map(([k, v]) => [h('dt', k), h('dd', v ?? '—')]),
  );

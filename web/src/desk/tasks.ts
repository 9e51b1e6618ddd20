/**
 * Follow-ups: tasks with a due time and an owner (mine, and those handed to me while their owner
 * is absent), created from the customer 360 or a ticket, marked done in one click.
 */
import { h, mount } from '../shared/dom';
import type { Ok, paths } from '../shared/api';
import { empty, errorText, toast, toastError } from '../shared/ui';
import { api, client, ok, type Ticket } from './api';
import { t, when } from './i18n';
import { busy, card, field, loading, openDialog, pageHead, select } from './parts';
import { staffUsers } from './profile';
import type { Render } from './routes';

export type Task = Ok<'/api/v1/tasks', 'get'>['items'][number];
type TaskQuery = NonNullable<paths['/api/v1/tasks']['get']['parameters']['query']>;

const refresh = (): boolean => window.dispatchEvent(new HashChangeEvent('hashchange'));
const list = async (query: TaskQuery): Promise<Task[]> => (await ok(client.GET('/api/v1/tasks', { params: { query: { sort: 'dueAt', ...query } } }))).items;
const failed = (error: unknown): HTMLElement => empty(t('common.loadFailed'), errorText(error), '!');

function bucket(task: Task, now = Date.now()): 'overdue' | 'today' | 'later' {
  const due = new Date(task.dueAt).getTime();
  if (due < now) return 'overdue';
  const end = new Date();
  end.setHours(23, 59, 59, 999);
  return due <= end.getTime() ? 'today' : 'later';
}

function taskRow(task: Task): HTMLElement {
  const done = task.status === 'done';
  const box = h('input', { type: 'checkbox', checked: done, 'aria-label': t('task.markDone', { title: task.title }) });
  box.onchange = async () => {
    box.disabled = true;
    try {
      await ok(client.PATCH('/api/v1/tasks/{id}', { params: { path: { id: task.id } }, body: { status: box.checked ? 'done' : 'open' } }));
      toast('success', box.checked ? t('task.done') : t('task.reopened'), task.title);
      refresh();
    } catch (error) {
      box.checked = !box.checked;
      box.disabled = false;
      toastError(error);
    }
  };
  const me = api.session.user?.id;
  const b = bucket(task);
  return h(
    `li.task${done ? '.task-done' : ''}`,
    box,
    h(
      'div.task-text',
      h('div.task-title', task.title),
      h(
        'div.muted.small',
        h(`span.due${done ? '' : `.due-${b}`}`, t('task.due', { at: when(task.dueAt) })),
        task.note ? ` · ${task.note}` : null,
        task.customerId ? [' · ', h('a', { href: `#/customer/${task.customerId}` }, t('task.customer'))] : null,
        task.ticketId ? [' · ', h('a', { href: `#/ticket/${task.ticketId}` }, t('activity.ticket'))] : null,
        task.handedOver && task.effectiveOwnerId === me ? h('span.chip.tone-warn', t('task.standingIn')) : null,
        task.handedOver && task.effectiveOwnerId !== me ? h('span.chip.tone-warn', t('task.withSubstitute')) : null,
      ),
    ),
  );
}

function grouped(tasks: readonly Task[]): HTMLElement {
  const open = tasks.filter((x) => x.status !== 'done');
  if (!open.length) return empty(t('task.allDone'), undefined, '✓');
  const groups = (['overdue', 'today', 'later'] as const).map((b) => [b, open.filter((x) => bucket(x) === b)] as const).filter(([, xs]) => xs.length);
  return h(
    'div.task-groups',
    groups.map(([b, xs]) =>
      h('section.task-group', h('h3', { class: `due-${b}` }, t(`task.group.${b}`), h('span.count', xs.length)), h('ul.tasks', xs.map(taskRow))),
    ),
  );
}

export const renderTasks: Render = async (view, _params, query, alive) => {
  const showDone = query.get('done') === '1';
  const create = h('button.btn.btn-primary', { type: 'button', onclick: () => openNewTask({}) }, t('task.new'));
  const toggle = h('a.btn', { href: showDone ? '#/tasks' : '#/tasks?done=1' }, showDone ? t('task.showOpen') : t('task.showDone'));
  const body = h('div');
  view.replaceChildren(pageHead(t('nav.tasks'), t('task.sub'), toggle, create), body);
  mount(body);
  await loading(
    body,
    async () => {
      const tasks = await list({ owner: 'me', status: showDone ? 'done' : 'open', limit: 200, ...(showDone ? { sort: '-dueAt' } : {}) });
      return card(null, showDone ? (tasks.length ? h('ul.tasks', tasks.map(taskRow)) : empty(t('common.none'))) : grouped(tasks));
    },
    alive,
  );
};

/** Overdue and today's tasks, on the intake page. */
export async function dueTasksCard(el: HTMLElement, alive: () => boolean): Promise<void> {
  await loading(
    el,
    async () => {
      try {
        const endOfDay = new Date();
        endOfDay.setHours(23, 59, 59, 999);
        const tasks = await list({ owner: 'me', status: 'open', dueBefore: endOfDay.toISOString(), limit: 50 });
        return card(
          t('task.dueToday'),
          tasks.length ? h('ul.tasks', tasks.slice(0, 8).map(taskRow)) : empty(t('task.nothingDue'), undefined, '✓'),
          h('a.small', { href: '#/tasks' }, t('task.all')),
        );
      } catch (error) {
        return card(t('task.dueToday'), failed(error));
      }
    },
    alive,
  );
}

/** A ticket's follow-ups, with "New task" for it. */
export async function ticketTasksCard(el: HTMLElement, ticket: Ticket, alive: () => boolean): Promise<void> {
  const create = h(
    'button.btn.btn-sm',
    {
      type: 'button',
      onclick: () => openNewTask({ ticketId: ticket.id, customerId: ticket.customerId, title: t('task.followUp', { number: ticket.number }) }),
    },
    t('task.new'),
  );
  await loading(
    el,
    async () => {
      try {
        const tasks = await list({ ticketId: ticket.id, limit: 50 });
        return card(t('task.title'), tasks.length ? h('ul.tasks', tasks.map(taskRow)) : h('p.muted', t('task.noneForTicket')), create);
      } catch (error) {
        return card(t('task.title'), failed(error));
      }
    },
    alive,
  );
}

/** ISO instant → the value of a datetime-local input (local time). */
const localInput = (d: Date): string => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

export function openNewTask(preset: { customerId?: string; ticketId?: string; title?: string }): void {
  const title = h('input', { name: 'title', required: true, maxlength: 300, value: preset.title ?? '' });
  const inTwoHours = new Date(Date.now() + 2 * 3_600_000);
  const due = h('input', { type: 'datetime-local', name: 'dueAt', value: localInput(inTwoHours), required: true });
  const remind = h('input', { type: 'datetime-local', name: 'remindAt' });
  const note = h('input', { name: 'note', maxlength: 2000 });
  const me = api.session.user;
  const owner = select('ownerId', [[me?.id ?? '', t('task.me', { name: me?.name ?? '' })]]);
  void staffUsers().then((users) => {
    for (const u of users) if (u.id !== me?.id) owner.append(h('option', { value: u.id }, u.name));
  });
  const submit = h('button.btn.btn-primary', { type: 'submit' }, t('task.create'));
  const form = h(
    'form.form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        void busy(submit, async () => {
          try {
            await ok(
              client.POST('/api/v1/tasks', {
                body: {
                  title: title.value.trim(),
                  dueAt: new Date(due.value).toISOString(),
                  ...(remind.value ? { remindAt: new Date(remind.value).toISOString() } : {}),
                  ...(owner.value && owner.value !== me?.id ? { ownerId: owner.value } : {}),
                  ...(preset.customerId ? { customerId: preset.customerId } : {}),
                  ...(preset.ticketId ? { ticketId: preset.ticketId } : {}),
                  ...(note.value.trim() ? { note: note.value.trim() } : {}),
                },
              }),
            );
            dialog.close();
            toast('success', t('task.created'), title.value.trim());
            refresh();
          } catch (error) {
            toastError(error, t('task.createFailed'));
          }
        });
      },
    },
    field(t('task.titleField'), title),
    field(t('task.note'), note),
    h('div.form-grid', field(t('task.dueAt'), due), field(t('task.remindAt'), remind), field(t('task.owner'), owner)),
    h('div.form-actions', submit),
  );
  const dialog = openDialog(t('task.new'), form);
  window.setTimeout(() => title.focus(), 50);
}

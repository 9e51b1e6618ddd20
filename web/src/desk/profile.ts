/** My profile: who I am, and my absences with the colleague who takes over my follow-ups meanwhile. */
import { h } from '../shared/dom';
import type { Ok } from '../shared/api';
import { toast, toastError } from '../shared/ui';
import { api, cached, client, ok } from './api';
import { day, label, t, when } from './i18n';
import { busy, card, facts, field, loading, pageHead, select, table } from './parts';
import type { Render } from './routes';

type Absence = Ok<'/api/v1/users/{id}/absences', 'get'>['items'][number];

/** Colleagues who can own a task or stand in (the user list is an admin read; others get none). */
export function staffUsers(): Promise<{ id: string; name: string; role: string }[]> {
  return cached('staff', async () => {
    const users = await ok(client.GET('/api/v1/users', { params: { query: { active: 'true', limit: 200 } } })).catch(() => ({ items: [] }));
    return users.items.filter((u) => u.role !== 'customer' && u.role !== 'technician').map((u) => ({ id: u.id, name: u.name, role: u.role }));
  });
}

const localInput = (d: Date): string => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

export const renderProfile: Render = async (view, _params, _query, alive) => {
  const me = api.session.user;
  if (!me) return;
  const absences = h('div');
  view.replaceChildren(
    pageHead(t('nav.profile'), me.email),
    h(
      'div.grid-2',
      card(
        t('profile.me'),
        facts([
          [t('profile.name'), me.name],
          [t('profile.email'), me.email],
          [t('profile.role'), label('role', me.role)],
        ]),
      ),
      absences,
    ),
  );
  await loading(
    absences,
    async () => {
      const [absences, users] = await Promise.all([ok(client.GET('/api/v1/users/{id}/absences', { params: { path: { id: me.id } } })), staffUsers()]);
      const items: Absence[] = absences.items;
      const names = new Map(users.map((u) => [u.id, u.name]));
      return card(
        t('absence.title'),
        h(
          'div',
          table(
            items.filter((a) => !a.cancelledAt),
            [
              { head: t('absence.from'), cell: (a) => when(a.startsAt) },
              { head: t('absence.to'), cell: (a) => when(a.endsAt) },
              { head: t('absence.substitute'), cell: (a) => (a.substituteId ? (names.get(a.substituteId) ?? t('absence.colleague')) : '—') },
              { head: t('absence.reason'), cell: (a) => a.reason ?? '—', wide: true },
            ],
            { empty: t('absence.none') },
          ),
          absenceForm(me.id, users),
        ),
      );
    },
    alive,
  );
};

function absenceForm(userId: string, users: { id: string; name: string }[]): HTMLElement {
  const tomorrow = new Date();
  tomorrow.setDate(tomorrow.getDate() + 1);
  tomorrow.setHours(8, 0, 0, 0);
  const until = new Date(tomorrow.getTime() + 9 * 3_600_000);
  const starts = h('input', { type: 'datetime-local', name: 'startsAt', required: true, value: localInput(tomorrow) });
  const ends = h('input', { type: 'datetime-local', name: 'endsAt', required: true, value: localInput(until) });
  const substitute = select('substituteId', [['', t('absence.noSubstitute')], ...users.filter((u) => u.id !== userId).map((u) => [u.id, u.name] as const)]);
  const reason = h('input', { name: 'reason', maxlength: 300 });
  const submit = h('button.btn.btn-primary', { type: 'submit' }, t('absence.add'));
  return h(
    'form.form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        void busy(submit, async () => {
          try {
            await ok(
              client.POST('/api/v1/users/{id}/absences', {
                params: { path: { id: userId } },
                body: {
                  startsAt: new Date(starts.value).toISOString(),
                  endsAt: new Date(ends.value).toISOString(),
                  ...(substitute.value ? { substituteId: substitute.value } : {}),
                  ...(reason.value.trim() ? { reason: reason.value.trim() } : {}),
                },
              }),
            );
            toast('success', t('absence.added'), `${day(starts.value)} – ${day(ends.value)}`);
            window.dispatchEvent(new HashChangeEvent('hashchange'));
          } catch (error) {
            toastError(error, t('absence.failed'));
          }
        });
      },
    },
    h('h3.sub-head', t('absence.new')),
    h(
      'div.form-grid',
      field(t('absence.from'), starts),
      field(t('absence.to'), ends),
      field(t('absence.substitute'), substitute, users.length ? undefined : t('absence.noDirectory')),
      field(t('absence.reason'), reason),
    ),
    h('div.form-actions', submit),
  );
}

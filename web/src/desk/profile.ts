/** My profile: who I am, and my absences with the colleague who takes over my follow-ups meanwhile. */
import { h } from '../shared/dom';
import { ApiError } from '../shared/api';
import { empty, errorText, toast, toastError } from '../shared/ui';
import { api, cached, call, client, ok } from './api';
import { day, label, t, when } from './i18n';
import { busy, card, facts, field, loading, pageHead, select, table } from './parts';
import type { Render } from './routes';

interface Absence {
  id: string;
  startsAt: string;
  endsAt: string;
  substituteId: string | null;
  substituteName?: string | null;
  reason: string | null;
  cancelledAt?: string | null;
}

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
      let items: Absence[];
      try {
        items = (await call<{ items: Absence[] }>('GET', `/api/v1/users/${me.id}/absences`)).items;
      } catch (error) {
        return card(t('absence.title'), error instanceof ApiError && error.noRoute ? empty(t('absence.unavailable')) : empty(t('common.loadFailed'), errorText(error), '!'));
      }
      const users = await staffUsers();
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
              { head: t('absence.substitute'), cell: (a) => a.substituteName ?? (a.substituteId ? (names.get(a.substituteId) ?? '—') : '—') },
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
            await call('POST', `/api/v1/users/${userId}/absences`, {
              startsAt: new Date(starts.value).toISOString(),
              endsAt: new Date(ends.value).toISOString(),
              ...(substitute.value ? { substituteId: substitute.value } : {}),
              ...(reason.value.trim() ? { reason: reason.value.trim() } : {}),
            });
            toast('success', t('absence.added'), `${day(starts.value)} – ${day(ends.value)}`);
            window.dispatchEvent(new HashChangeEvent('hashchange'));
          } catch (error) {
            toastError(error, t('absence.failed'));
          }
        });
      },
    },
    h('h3.sub-head', t('absence.new')),
    h('div.form-grid', field(t('absence.from'), starts), field(t('absence.to'), ends), field(t('absence.substitute'), substitute), field(t('absence.reason'), reason)),
    h('div.form-actions', submit),
  );
}

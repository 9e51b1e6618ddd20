/** "Users" (customer admins): the customer's portal users, invitations, deactivation and admin rights. */
import type { Ok } from '../shared/api';
import { h } from '../shared/dom';
import { toast } from '../shared/ui';
import type { PortalContext } from './context';
import { card, emptyState, errorMessage, field, pageHeader, pill } from './widgets';

type PortalUser = Ok<'/api/v1/portal/users', 'get'>['items'][number];

export async function usersPage(ctx: PortalContext): Promise<HTMLElement> {
  const { api, t, profile } = ctx;
  if (!profile.customerAdmin) return h('div.page', pageHeader(t.t('users.title')), emptyState(t.t('users.forbidden')));
  const users = await api.ok(api.client.GET('/api/v1/portal/users'));

  const name = h('input', { id: 'invite-name', required: true, maxlength: 200, autocomplete: 'off' });
  const email = h('input', { id: 'invite-email', type: 'email', required: true, autocomplete: 'off' });
  const admin = h('input', { id: 'invite-admin', type: 'checkbox' });
  const send = h('button.btn.btn-primary', { type: 'submit' }, t.t('users.send'));
  const invite = h(
    'form.invite-form',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        send.disabled = true;
        try {
          const created = await api.ok(
            api.client.POST('/api/v1/portal/users', { body: { name: name.value, email: email.value, customerAdmin: admin.checked, language: t.language } }),
          );
          toast('success', t.t('users.invited', { email: created.email }));
          ctx.refresh();
        } catch (e) {
          toast('error', t.t('app.error'), errorMessage(t, e));
          send.disabled = false;
        }
      },
    },
    h('h2', t.t('users.invite')),
    h('div.form-row', field('invite-name', t.t('users.name'), name), field('invite-email', t.t('users.email'), email)),
    h('label.check', admin, h('span', t.t('users.admin'))),
    h('div.form-actions', send),
  );

  return h(
    'div.page',
    pageHeader(t.t('users.title'), t.t('users.intro')),
    card(
      h(
        'ul.list.users',
        users.items.map((u) => userRow(ctx, u)),
      ),
    ),
    card(invite),
  );
}

function userRow(ctx: PortalContext, user: PortalUser): HTMLElement {
  const { api, t, profile } = ctx;
  const me = user.id === profile.id;
  const change = async (body: { active?: boolean; customerAdmin?: boolean }): Promise<void> => {
    try {
      await api.ok(api.client.PATCH('/api/v1/portal/users/{id}', { params: { path: { id: user.id } }, body }));
      ctx.refresh();
    } catch (e) {
      toast('error', t.t('app.error'), errorMessage(t, e));
    }
  };
  return h(
    'li.user-row',
    h(
      'div.row-main',
      h('div.row-title', user.name, me ? h('span.muted', ` (${t.t('users.you')})`) : null),
      h('div.row-meta.muted', user.email),
      h(
        'div.badges',
        user.customerAdmin ? pill(t.t('users.adminBadge'), 'brand') : null,
        !user.hasPassword && user.active ? pill(t.t('users.pending'), 'warn') : null,
        !user.active ? pill(t.t('users.inactive'), 'bad') : null,
      ),
    ),
    me
      ? null
      : h(
          'div.row-actions',
          h(
            'button.btn.btn-small',
            { type: 'button', onclick: () => change({ customerAdmin: !user.customerAdmin }) },
            t.t(user.customerAdmin ? 'users.removeAdmin' : 'users.makeAdmin'),
          ),
          h(
            `button.btn.btn-small${user.active ? '.btn-danger' : ''}`,
            { type: 'button', onclick: () => change({ active: !user.active }) },
            t.t(user.active ? 'users.deactivate' : 'users.reactivate'),
          ),
        ),
  );
}

/** "Notifications": the customer's contacts, and for each whether and about what it is notified. */
import type { Ok } from '../shared/api';
import { h } from '../shared/dom';
import { toast } from '../shared/ui';
import type { PortalContext } from './context';
import type { MessageKey } from './messages';
import { card, emptyState, errorMessage, pageHeader, pill } from './widgets';

type Contact = Ok<'/api/v1/portal/contacts', 'get'>['items'][number];
const EVENTS = ['ticket.received', 'visit.scheduled', 'technician.en_route', 'visit.delayed', 'visit.completed'] as const;

export async function contactsPage(ctx: PortalContext): Promise<HTMLElement> {
  const { api, t } = ctx;
  const contacts = await api.ok(api.client.GET('/api/v1/portal/contacts'));
  return h(
    'div.page',
    pageHeader(t.t('notifications.title'), t.t('notifications.intro')),
    contacts.items.length === 0
      ? emptyState(t.t('notifications.empty'), t.t('notifications.emptyText'))
      : h(
          'div.cards',
          contacts.items.map((c) => contactCard(ctx, c)),
        ),
  );
}

function contactCard(ctx: PortalContext, contact: Contact): HTMLElement {
  const { api, t } = ctx;
  const prefix = `c-${contact.id.slice(0, 8)}`;
  const enabled = h('input', { type: 'checkbox', id: `${prefix}-on`, checked: contact.notifications.enabled });
  const all = contact.notifications.events.length === 0;
  const boxes = EVENTS.map((event) =>
    h('input', { type: 'checkbox', id: `${prefix}-${event}`, value: event, checked: all || contact.notifications.events.includes(event) }),
  );
  const events = h(
    'fieldset.events',
    { disabled: !contact.notifications.enabled },
    h('legend.visually-hidden', t.t('notifications.enabled')),
    boxes.map((box) => h('label.check', box, h('span', t.t(`event.${box.value}` as MessageKey)))),
  );
  enabled.addEventListener('change', () => (events.disabled = !enabled.checked));
  const save = h('button.btn.btn-primary', { type: 'submit' }, t.t('app.save'));
  const form = h(
    'form',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        save.disabled = true;
        const chosen = boxes.filter((b) => b.checked).map((b) => b.value as (typeof EVENTS)[number]);
        try {
          await api.ok(
            api.client.PUT('/api/v1/portal/contacts/{id}/notifications', {
              params: { path: { id: contact.id } },
              body: { enabled: enabled.checked, events: chosen.length === EVENTS.length ? [] : chosen },
            }),
          );
          toast('success', t.t('app.saved'));
        } catch (e) {
          toast('error', t.t('app.error'), errorMessage(t, e));
        } finally {
          save.disabled = false;
        }
      },
    },
    h('label.check.strong', enabled, h('span', t.t('notifications.enabled'))),
    events,
    h('div.form-actions', contact.notifications.explicit ? null : h('span.muted.small', t.t('notifications.defaults')), save),
  );
  return card(
    h(
      'div.card-head',
      h('div', h('h2', contact.name), contact.jobTitle ? h('div.muted.small', contact.jobTitle) : null),
      contact.isPrimary ? pill(t.t('notifications.primary'), 'brand') : null,
    ),
    h(
      'ul.plain.muted.small',
      contact.emails.map((e) => h('li', e)),
      contact.phones.map((p) => h('li', p)),
    ),
    form,
  );
}

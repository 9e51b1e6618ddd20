/**
 * "New ticket" and "Log call" from the customer 360. The ticket form is built for a call: the
 * caller, site and asset are prefilled from the search hit, the contract and SLA that will apply
 * update as the asset and priority change, and creating the ticket logs the call with it.
 */
import { h, mount } from '../shared/dom';
import { toast, toastError } from '../shared/ui';
import { client, ok, type Contract, type Customer360 } from './api';
import { label, t } from './i18n';
import { busy, field, openDialog, select } from './parts';
import { applicableContract, slaLine } from './sla';

type Priority = 'low' | 'medium' | 'high' | 'critical';
type TicketType = 'breakdown' | 'maintenance' | 'installation' | 'inspection' | 'question' | 'complaint' | 'other';
const PRIORITIES: Priority[] = ['low', 'medium', 'high', 'critical'];
const TYPES: TicketType[] = ['breakdown', 'maintenance', 'installation', 'inspection', 'question', 'complaint', 'other'];

export interface Preset {
  assetId?: string | null;
  siteId?: string | null;
  contactId?: string | null;
}

const defaultContact = (c: Customer360, contactId?: string | null): string =>
  (contactId && c.contacts.some((x) => x.id === contactId) ? contactId : (c.contacts.find((x) => x.isPrimary)?.id ?? '')) || '';

export function openNewTicket(c: Customer360, contracts: Contract[], preset: Preset): void {
  const asset0 = c.assets.find((a) => a.id === preset.assetId);
  const contact = select('contactId', [['', t('form.noContact')], ...c.contacts.map((x) => [x.id, x.name] as const)], defaultContact(c, preset.contactId));
  const site = select('siteId', [['', t('form.anySite')], ...c.sites.map((s) => [s.id, [s.name, s.city].filter(Boolean).join(', ')] as const)]);
  site.value = asset0?.siteId ?? (preset.siteId && c.sites.some((s) => s.id === preset.siteId) ? preset.siteId : c.sites.length === 1 ? c.sites[0]!.id : '');
  const asset = h('select', { name: 'assetId' });
  const fillAssets = (): void => {
    const keep = asset.value || asset0?.id || '';
    const list = c.assets.filter((a) => !site.value || a.siteId === site.value);
    mount(
      asset,
      h('option', { value: '' }, t('form.noAsset')),
      list.map((a) => h('option', { value: a.id }, `${a.name ?? a.modelId} · ${a.serialNumber}`)),
    );
    asset.value = list.some((a) => a.id === keep) ? keep : list.length === 1 ? list[0]!.id : '';
  };
  fillAssets();
  const type = select(
    'type',
    TYPES.map((x) => [x, label('type', x)] as const),
    'breakdown',
  );
  const priority = select(
    'priority',
    PRIORITIES.map((x) => [x, label('priority', x)] as const),
    'medium',
  );
  const title = h('input', { name: 'title', required: true, maxlength: 300, autocomplete: 'off', placeholder: t('form.titlePlaceholder') });
  const description = h('textarea', { name: 'description', rows: 4, maxlength: 20000, placeholder: t('form.descriptionPlaceholder') });
  const sla = h('div.sla-box', { 'aria-live': 'polite' });
  const updateSla = (): void => void mount(sla, slaLine(applicableContract(contracts, asset.value || null), priority.value as Priority));
  site.onchange = () => {
    fillAssets();
    updateSla();
  };
  asset.onchange = () => {
    const picked = c.assets.find((a) => a.id === asset.value);
    if (picked && site.value !== picked.siteId) site.value = picked.siteId;
    updateSla();
  };
  priority.onchange = updateSla;
  updateSla();

  const submit = h('button.btn.btn-primary', { type: 'submit' }, t('form.createTicket'));
  const form = h(
    'form.form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        void busy(submit, async () => {
          try {
            const ticket = await ok(
              client.POST('/api/v1/tickets', {
                body: {
                  channel: 'phone',
                  type: type.value as TicketType,
                  priority: priority.value as Priority,
                  title: title.value.trim(),
                  customerId: c.profile.id,
                  ...(description.value.trim() ? { description: description.value.trim() } : {}),
                  ...(site.value ? { siteId: site.value } : {}),
                  ...(asset.value ? { assetId: asset.value } : {}),
                },
              }),
            );
            await logCall({
              customerId: c.profile.id,
              contactId: contact.value || undefined,
              assetId: asset.value || undefined,
              ticketId: ticket.id,
              subject: t('call.ticketSubject', { number: ticket.number, title: ticket.title }),
            }).catch((error: unknown) => toastError(error, t('call.logFailed')));
            dialog.close();
            toast('success', t('form.ticketCreated', { number: ticket.number }), ticket.title);
            location.hash = `#/ticket/${ticket.id}`;
          } catch (error) {
            toastError(error, t('form.createFailed'));
          }
        });
      },
    },
    h(
      'div.form-grid',
      field(t('form.caller'), contact),
      field(t('form.site'), site),
      field(t('form.asset'), asset),
      field(t('form.type'), type),
      field(t('ticket.priority'), priority),
    ),
    sla,
    field(t('ticket.titleField'), title),
    field(t('form.description'), description),
    h('div.form-actions', h('span.muted.small', t('form.channelPhone')), submit),
  );
  const dialog = openDialog(t('form.newTicketFor', { name: c.profile.name }), form);
  window.setTimeout(() => title.focus(), 50);
}

interface CallLog {
  customerId: string;
  contactId?: string | undefined;
  assetId?: string | undefined;
  ticketId?: string | undefined;
  subject: string;
  body?: string | undefined;
  durationMinutes?: number | undefined;
}

/** The call as an activity (inbound, now). */
export async function logCall(call: CallLog): Promise<void> {
  const body = Object.fromEntries(Object.entries(call).filter(([, v]) => v !== undefined && v !== '')) as unknown as CallLog;
  await ok(client.POST('/api/v1/activities', { body: { kind: 'call', direction: 'inbound', ...body } }));
}

export function openLogCall(c: Customer360, contactId?: string | null, ticketId?: string): void {
  const contact = select('contactId', [['', t('form.noContact')], ...c.contacts.map((x) => [x.id, x.name] as const)], defaultContact(c, contactId));
  const direction = select(
    'direction',
    [
      ['inbound', label('direction', 'inbound')],
      ['outbound', label('direction', 'outbound')],
    ],
    'inbound',
  );
  const subject = h('input', { name: 'subject', required: true, maxlength: 300, autocomplete: 'off' });
  const minutes = h('input', { name: 'minutes', type: 'number', min: 0, max: 1440, inputmode: 'numeric' });
  const notes = h('textarea', { name: 'body', rows: 4 });
  const submit = h('button.btn.btn-primary', { type: 'submit' }, t('call.save'));
  const form = h(
    'form.form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        void busy(submit, async () => {
          try {
            await ok(
              client.POST('/api/v1/activities', {
                body: {
                  kind: 'call',
                  direction: direction.value as 'inbound' | 'outbound',
                  subject: subject.value.trim(),
                  customerId: c.profile.id,
                  ...(contact.value ? { contactId: contact.value } : {}),
                  ...(ticketId ? { ticketId } : {}),
                  ...(notes.value.trim() ? { body: notes.value.trim() } : {}),
                  ...(minutes.value ? { durationMinutes: Number(minutes.value) } : {}),
                },
              }),
            );
            dialog.close();
            toast('success', t('call.logged'));
            window.dispatchEvent(new HashChangeEvent('hashchange'));
          } catch (error) {
            toastError(error, t('call.logFailed'));
          }
        });
      },
    },
    h('div.form-grid', field(t('form.caller'), contact), field(t('call.direction'), direction), field(t('call.minutes'), minutes)),
    field(t('call.subject'), subject),
    field(t('call.notes'), notes),
    h('div.form-actions', submit),
  );
  const dialog = openDialog(t('call.title', { name: c.profile.name }), form);
  window.setTimeout(() => subject.focus(), 50);
}

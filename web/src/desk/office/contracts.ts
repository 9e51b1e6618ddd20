/** Back office: contracts (coverage, SLA, prepaid hours with top-ups and draw-downs). */
import { h } from '../../shared/dom';
import { toast, toastError } from '../../shared/ui';
import { client, ok, type Contract } from '../api';
import { day, hours, label, money, t, when } from '../i18n';
import { busy, card, facts, field, loading, pageHead, select, statusChip, table } from '../parts';
import { slaTable } from '../sla';
import type { Render } from '../routes';

const STATUSES = ['active', 'draft', 'suspended', 'expired', 'terminated'] as const;

export const renderContracts: Render = async (view, _params, query, alive) => {
  const status = (query.get('status') ?? '') as (typeof STATUSES)[number] | '';
  const filter = select('status', [['', t('common.all')], ...STATUSES.map((s) => [s, label('status', s)] as const)], status);
  filter.setAttribute('aria-label', t('common.status'));
  filter.onchange = () => (location.hash = filter.value ? `#/office/contracts?status=${filter.value}` : '#/office/contracts');
  const body = h('div');
  view.replaceChildren(pageHead(t('nav.contracts'), t('contract.sub'), filter), body);
  await loading(
    body,
    async () => {
      const [list, customers] = await Promise.all([
        ok(client.GET('/api/v1/contracts', { params: { query: { limit: 100, sort: '-startsOn', ...(status ? { status } : {}) } } })),
        ok(client.GET('/api/v1/customers', { params: { query: { limit: 200 } } })),
      ]);
      const names = new Map(customers.items.map((c) => [c.id, c.name]));
      return card(
        null,
        table(
          list.items,
          [
            { head: t('contract.number'), cell: (x) => h('a', { href: `#/office/contracts/${x.id}` }, x.number) },
            { head: t('contract.name'), cell: (x) => x.name },
            { head: t('contract.customer'), cell: (x) => names.get(x.customerId) ?? '—', wide: true },
            { head: t('common.status'), cell: (x) => statusChip(x.status) },
            { head: t('contract.period'), cell: (x) => `${day(x.startsOn)} – ${x.endsOn ? day(x.endsOn) : '…'}`, wide: true },
            {
              head: t('contract.coverage'),
              cell: (x) => t('contract.coverageLine', { labour: x.coverage.labourPercent, parts: x.coverage.partsPercent }),
              wide: true,
            },
            { head: t('contract.prepaidBalance'), cell: (x) => (x.prepaid.purchasedMinutes ? hours(x.prepaid.balanceMinutes) : '—'), num: true },
            { head: t('contract.value'), cell: (x) => (typeof x.value === 'number' ? money(x.value, x.currency) : '—'), num: true },
          ],
          { empty: t('contract.none'), onRow: (x) => (location.hash = `#/office/contracts/${x.id}`) },
        ),
      );
    },
    alive,
  );
};

export const renderContract: Render = async (view, [id], _query, alive) => {
  await loading(
    view,
    async () => {
      const [contract, ledger] = await Promise.all([
        ok(client.GET('/api/v1/contracts/{id}', { params: { path: { id: id! } } })),
        ok(client.GET('/api/v1/contracts/{id}/prepaid/ledger', { params: { path: { id: id! } } })),
      ]);
      const customer = await ok(client.GET('/api/v1/customers/{id}', { params: { path: { id: contract.customerId } } }));
      return h(
        'div',
        pageHead(`${contract.number} · ${contract.name}`, [statusChip(contract.status), h('a', { href: `#/customer/${customer.id}` }, customer.name)]),
        h(
          'div.grid-360',
          h(
            'div.col-main',
            card(
              t('contract.coverage'),
              facts([
                [t('contract.period'), `${day(contract.startsOn)} – ${contract.endsOn ? day(contract.endsOn) : t('contract.openEnded')}`],
                [t('contract.labour'), `${contract.coverage.labourPercent} %`],
                [t('contract.parts'), `${contract.coverage.partsPercent} %`],
                [t('contract.travel'), contract.coverage.travelIncluded ? t('common.yes') : t('common.no')],
                [t('contract.assets'), contract.assetIds.length ? String(contract.assetIds.length) : t('contract.allAssets')],
                [t('contract.value'), typeof contract.value === 'number' ? money(contract.value, contract.currency) : '—'],
                [t('contract.notes'), contract.notes ?? '—'],
              ]),
            ),
            card(t('sla.title'), slaTable(contract)),
          ),
          h('div.col-side', card(t('contract.prepaid'), prepaid(contract, ledger))),
        ),
      );
    },
    alive,
  );
};

type Ledger = { balanceMinutes: number; entries: { id: string; at: string; kind: string; minutes: number; balanceAfter: number; reason: string | null }[] };

function prepaid(contract: Contract, ledger: Ledger): HTMLElement {
  const kind = select('kind', [
    ['top-ups', t('contract.topUp')],
    ['draw-downs', t('contract.drawDown')],
  ]);
  const amount = h('input', { name: 'hours', type: 'number', min: 0.25, step: 0.25, required: true, inputmode: 'decimal' });
  const reason = h('input', { name: 'reason', maxlength: 500, autocomplete: 'off' });
  const submit = h('button.btn.btn-primary', { type: 'submit' }, t('contract.book'));
  const form = h(
    'form.form.inline-form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        void busy(submit, async () => {
          const body = { minutes: Math.round(Number(amount.value) * 60), ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) };
          const params = { params: { path: { id: contract.id } }, body };
          try {
            await ok(
              kind.value === 'top-ups'
                ? client.POST('/api/v1/contracts/{id}/prepaid/top-ups', params)
                : client.POST('/api/v1/contracts/{id}/prepaid/draw-downs', params),
            );
            toast('success', t('contract.booked'));
            window.dispatchEvent(new HashChangeEvent('hashchange'));
          } catch (error) {
            toastError(error, t('contract.bookFailed'));
          }
        });
      },
    },
    h('div.form-grid', field(t('contract.entry'), kind), field(t('contract.hours'), amount), field(t('contract.reason'), reason)),
    h('div.form-actions', submit),
  );
  return h(
    'div',
    h(
      'div.big-number',
      hours(ledger.balanceMinutes),
      h('span.muted.small', ` ${t('contract.ofBought', { bought: hours(contract.prepaid.purchasedMinutes) })}`),
    ),
    form,
    table(
      [...ledger.entries].reverse(),
      [
        { head: t('contract.when'), cell: (e) => when(e.at) },
        { head: t('contract.entry'), cell: (e) => label('ledger', e.kind) },
        { head: t('contract.hours'), cell: (e) => `${e.kind === 'draw_down' ? '−' : '+'}${hours(Math.abs(e.minutes))}`, num: true },
        { head: t('contract.balance'), cell: (e) => hours(e.balanceAfter), num: true },
        { head: t('contract.reason'), cell: (e) => e.reason ?? '—', wide: true },
      ],
      { empty: t('contract.noLedger') },
    ),
  );
}

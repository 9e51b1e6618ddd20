/** Back office: stock levels per location, transfers between locations, and reorder suggestions. */
import { h } from '../../shared/dom';
import { toast, toastError } from '../../shared/ui';
import { client, ok } from '../api';
import { label, money, t, when } from '../i18n';
import { busy, card, field, loading, pageHead, select, statusChip, table } from '../parts';
import type { Render } from '../routes';

const refresh = (): boolean => window.dispatchEvent(new HashChangeEvent('hashchange'));

export const renderStock: Render = async (view, _params, query, alive) => {
  const locationId = query.get('location') ?? '';
  const levels = h('div');
  const transfers = h('div');
  const reorder = h('div');
  const locations = await ok(client.GET('/api/v1/stock/locations', {})).catch(() => ({ items: [] }));
  if (!alive()) return;
  const picker = select('location', [['', t('stock.allLocations')], ...locations.items.map((l) => [l.id, `${l.code} · ${l.name}`] as const)], locationId);
  picker.setAttribute('aria-label', t('stock.location'));
  picker.onchange = () => (location.hash = picker.value ? `#/office/stock?location=${picker.value}` : '#/office/stock');
  view.replaceChildren(pageHead(t('nav.stock'), t('stock.sub'), picker), h('div.grid-360', h('div.col-main', levels, reorder), h('div.col-side', transfers)));
  const options = locations.items.map((l) => [l.id, `${l.code} · ${l.name}`] as const);

  void loading(
    levels,
    async () => {
      const list = await ok(client.GET('/api/v1/stock/levels', { params: { query: { limit: 200, ...(locationId ? { locationId } : {}) } } }));
      return card(
        t('stock.levels'),
        table(list.items, [
          { head: t('stock.location'), cell: (x) => h('span.mono', x.locationCode) },
          { head: t('stock.sku'), cell: (x) => h('span.mono', x.sku) },
          { head: t('stock.onHand'), cell: (x) => x.onHand, num: true },
          { head: t('stock.reserved'), cell: (x) => x.reserved, num: true },
          { head: t('stock.available'), cell: (x) => h(x.available <= 0 ? 'b.text-bad' : 'b', x.available), num: true },
          { head: t('stock.inTransit'), cell: (x) => x.inTransitIn, num: true, wide: true },
          { head: t('stock.defective'), cell: (x) => x.defective, num: true, wide: true },
        ]),
      );
    },
    alive,
  );

  void loading(
    reorder,
    async () => {
      const suggestions = await ok(client.GET('/api/v1/stock/reorder-suggestions'));
      const lines = suggestions.suppliers.flatMap((s) => s.lines.map((l) => ({ ...l, supplier: s.supplier })));
      const total = suggestions.suppliers.reduce((sum, s) => sum + (s.totalCost ?? 0), 0);
      return card(
        t('stock.reorder'),
        h(
          'div',
          h('p.muted.small', suggestions.basis),
          table(
            lines,
            [
              { head: t('stock.sku'), cell: (x) => h('span.mono', x.sku) },
              { head: t('stock.description'), cell: (x) => x.description, wide: true },
              { head: t('stock.supplier'), cell: (x) => x.supplier ?? '—', wide: true },
              { head: t('stock.position'), cell: (x) => x.position, num: true },
              { head: t('stock.reorderPoint'), cell: (x) => x.reorderPoint ?? '—', num: true, wide: true },
              { head: t('stock.suggested'), cell: (x) => h('b', x.suggestedQuantity), num: true },
              { head: t('stock.lineCost'), cell: (x) => (typeof x.lineCost === 'number' ? money(x.lineCost) : '—'), num: true },
            ],
            { empty: t('stock.nothingToOrder') },
          ),
          lines.length ? h('div.total-line', t('stock.orderTotal'), ' ', h('b', money(total))) : null,
        ),
      );
    },
    alive,
  );

  void loading(
    transfers,
    async () => {
      const list = await ok(client.GET('/api/v1/stock/transfers', { params: { query: locationId ? { locationId } : {} } }));
      return card(
        t('stock.transfers'),
        h(
          'div',
          transferForm(options),
          table(
            [...list.items].sort((a, b) => b.requestedAt.localeCompare(a.requestedAt)).slice(0, 30),
            [
              { head: t('stock.transfer'), cell: (x) => h('span.mono', x.number) },
              { head: t('stock.route'), cell: (x) => `${x.fromLocationCode} → ${x.toLocationCode}` },
              { head: t('stock.lines'), cell: (x) => x.lines.map((l) => `${l.quantity}× ${l.sku}`).join(', ') },
              { head: t('common.status'), cell: (x) => statusChip(x.status) },
              { head: t('stock.requested'), cell: (x) => when(x.requestedAt), wide: true },
              { head: '', cell: (x) => transferActions(x.id, x.status) },
            ],
            { empty: t('stock.noTransfers') },
          ),
        ),
      );
    },
    alive,
  );
};

function transferActions(id: string, status: string): HTMLElement | null {
  const act = (name: 'ship' | 'receive' | 'cancel') =>
    h(
      'button.btn.btn-sm',
      {
        type: 'button',
        onclick: async () => {
          try {
            const params = { params: { path: { id } } };
            if (name === 'ship') await ok(client.POST('/api/v1/stock/transfers/{id}/ship', params));
            else if (name === 'receive') await ok(client.POST('/api/v1/stock/transfers/{id}/receive', params));
            else await ok(client.POST('/api/v1/stock/transfers/{id}/cancel', params));
            refresh();
          } catch (error) {
            toastError(error);
          }
        },
      },
      label('transfer', name),
    );
  if (status === 'requested') return h('span.row-actions', act('ship'), act('cancel'));
  if (status === 'shipped') return h('span.row-actions', act('receive'));
  return null;
}

function transferForm(options: readonly (readonly [string, string])[]): HTMLElement {
  const from = select('from', options);
  const to = select('to', options, options[1]?.[0]);
  const sku = h('input', { name: 'sku', required: true, autocomplete: 'off' });
  const qty = h('input', { name: 'quantity', type: 'number', min: 1, step: 1, value: 1, required: true, inputmode: 'numeric' });
  const submit = h('button.btn.btn-primary', { type: 'submit' }, t('stock.requestTransfer'));
  return h(
    'form.form.inline-form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        void busy(submit, async () => {
          try {
            const created = await ok(
              client.POST('/api/v1/stock/transfers', {
                body: { fromLocationId: from.value, toLocationId: to.value, lines: [{ sku: sku.value.trim(), quantity: Number(qty.value) }] },
              }),
            );
            toast('success', t('stock.transferRequested', { number: created.number }));
            refresh();
          } catch (error) {
            toastError(error, t('stock.transferFailed'));
          }
        });
      },
    },
    h('div.form-grid', field(t('stock.from'), from), field(t('stock.to'), to), field(t('stock.sku'), sku), field(t('stock.quantity'), qty)),
    h('div.form-actions', submit),
  );
}

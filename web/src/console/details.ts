/**
 * Read-only views the panel links to, in one Web Awesome dialog: the customer 360
 * (GET /customers/:id/360), the asset history (GET /assets/:id/history) and a knowledge article
 * (GET /knowledge/articles/:id).
 */
import { $, h, mount, type Child } from '../shared/dom';
import { empty, errorText, fmtDateTime, skeleton, titleCase } from '../shared/ui';
import { client, ok } from './api';

type Dialog = HTMLElement & { open: boolean; label: string };

async function show(label: string, load: () => Promise<Child>): Promise<void> {
  const dialog = $<Dialog>('#details');
  const body = $('#details-body');
  dialog.label = label;
  mount(body, skeleton(5));
  dialog.open = true;
  try {
    mount(body, await load());
  } catch (error) {
    mount(body, empty('Could not load', errorText(error), '!'));
  }
}

const row = (label: string, value: Child): HTMLElement => h('div.dl-row', h('span.muted', label), h('span', value));

export function showCustomer360(customerId: string, name: string): Promise<void> {
  return show(`Customer 360 · ${name}`, async () => {
    const c = await ok(client.GET('/api/v1/customers/{id}/360', { params: { path: { id: customerId } } }));
    const k = c.kpis;
    return h(
      'div.details.c360',
      h(
        'div.facts',
        row('Tier', titleCase(c.profile.tier)),
        row('Open tickets', `${k.openTickets} (${k.breachedOpenTickets} breached)`),
        row('SLA last 90 days', k.slaComplianceLast90Days == null ? '—' : `${Math.round(k.slaComplianceLast90Days * 100)} %`),
        row('Mean time to resolve', k.meanTimeToResolveHours == null ? '—' : `${k.meanTimeToResolveHours.toFixed(1)} h`),
      ),
      h('h4', 'Sites'),
      h(
        'ul.links',
        c.sites.map((s) => h('li', s.name, s.city ? h('span.muted', ` · ${s.city}`) : null)),
      ),
      h('h4', 'Assets'),
      h(
        'ul.links',
        c.assets.map((a) => h('li', h('span.mono', a.serialNumber), ` ${a.modelId}`, a.openTickets ? h('span.tag', `${a.openTickets} open`) : null)),
      ),
      h('h4', 'Open tickets'),
      h(
        'ul.links',
        c.openTickets.map((t) => h('li', h('span.mono', t.number), ` ${t.title}`, h('span.muted', ` · ${titleCase(t.status)}`))),
      ),
      h('h4', 'Contracts'),
      c.contracts.length
        ? h(
            'ul.links',
            c.contracts.map((x) => h('li', `${x.number} ${x.name}`, h('span.muted', ` · ${x.status}, until ${x.endsOn ?? 'open end'}`))),
          )
        : h('p.muted.small', 'No contract.'),
      h('h4', 'Recent activities'),
      c.recentActivities.length
        ? h(
            'ul.links',
            c.recentActivities.map((a) => h('li', h('span.muted', fmtDateTime(a.occurredAt)), ` ${a.subject}`)),
          )
        : h('p.muted.small', 'None yet.'),
    );
  });
}

export function showAssetHistory(assetId: string, serial: string): Promise<void> {
  return show(`Asset history · ${serial}`, async () => {
    const history = await ok(client.GET('/api/v1/assets/{id}/history', { params: { path: { id: assetId } } }));
    if (history.items.length === 0) return empty('No history yet', 'Alarms, tickets and visits of this asset appear here.', '◷');
    return h(
      'ol.history',
      history.items.map((e) => h('li', h('span.muted.small', fmtDateTime(e.at)), h('span.tag', titleCase(e.kind)), h('span', e.title))),
    );
  });
}

export function showArticle(articleId: string, title: string): Promise<void> {
  return show(title, async () => {
    const a = await ok(client.GET('/api/v1/knowledge/articles/{id}', { params: { path: { id: articleId } } }));
    return h(
      'article.details.kb-article',
      h('p.muted.small', `Published ${fmtDateTime(a.publishedAt)} · ${a.faultCodes.join(', ')}`),
      a.body.split(/\n{2,}/).map((p) => h('p', p)),
    );
  });
}

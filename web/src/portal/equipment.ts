/** "Equipment": every machine of the customer with its state (online/offline, open alarms). */
import { h } from '../shared/dom';
import type { PortalContext } from './context';
import { card, emptyState, pageHeader, pill, statusTone } from './widgets';

export async function equipmentPage(ctx: PortalContext): Promise<HTMLElement> {
  const { api, t } = ctx;
  const assets = await api.ok(api.client.GET('/api/v1/portal/assets'));
  const bySite = new Map<string, typeof assets.items>();
  for (const a of assets.items) bySite.set(a.siteName, [...(bySite.get(a.siteName) ?? []), a]);
  return h(
    'div.page',
    pageHeader(t.t('equipment.title')),
    assets.items.length === 0
      ? emptyState(t.t('equipment.empty'), t.t('equipment.emptyText'))
      : [...bySite].map(([siteName, list]) =>
          h(
            'section.site-group',
            h('h2.group-title', siteName),
            h(
              'div.cards',
              list.map((a) =>
                card(
                  h(
                    'div.card-head',
                    h('div', h('h3.asset-name', a.name ?? a.modelName ?? a.modelId), h('div.muted.small', a.modelName ?? a.modelId)),
                    pill(t.t(`equipment.${a.state}`), statusTone(a.state)),
                  ),
                  h('p.muted.small.mono', t.t('equipment.serial', { serial: a.serialNumber })),
                  h(
                    'p',
                    a.openAlarms > 0
                      ? h('span.alarm', '⚠ ', a.openAlarms === 1 ? t.t('equipment.alarm') : t.t('equipment.alarms', { count: a.openAlarms }))
                      : h('span.muted', t.t('equipment.noAlarms')),
                  ),
                  a.lastSeenAt ? h('p.muted.small', t.t('equipment.lastSeen', { when: t.date(a.lastSeenAt) })) : null,
                  a.warrantyEnd ? h('p.muted.small', t.t('equipment.warranty', { date: t.date(a.warrantyEnd, { dateStyle: 'medium' }) })) : null,
                  h('div.card-actions', h('a.btn', { href: `#/new?asset=${a.id}` }, t.t('equipment.report'))),
                ),
              ),
            ),
          ),
        ),
  );
}

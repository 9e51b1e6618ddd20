/**
 * The customer 360 the agent has in front of them on a call: open tickets, equipment with its
 * health, contracts and their SLA, prepaid hours (not for agents), recent activities and offers,
 * with "New ticket", "Log call" and "New task" one click away.
 */
import { h } from '../shared/dom';
import { avatar } from '../shared/ui';
import { client, ok, seesMoney, type Contract, type Customer360 } from './api';
import { day, hours, label, money, pct, t, when } from './i18n';
import { card, facts, loading, pageHead, priorityChip, statusChip, table } from './parts';
import { slaTable } from './sla';
import { openLogCall, openNewTicket } from './ticket-form';
import { openNewTask } from './tasks';
import type { Render } from './routes';

export const renderCustomer: Render = async (view, [id], query, alive) => {
  const customerId = id!;
  await loading(
    view,
    async () => {
      const [c360, contracts] = await Promise.all([
        ok(client.GET('/api/v1/customers/{id}/360', { params: { path: { id: customerId } } })),
        ok(client.GET('/api/v1/contracts', { params: { query: { customerId, limit: 100 } } })).then((r) => r.items),
      ]);
      return customer360(c360, contracts, query);
    },
    alive,
  );
  // From the search straight to the form: a hit on an asset, site or contact opens "New ticket" prefilled.
  if (alive() && query.get('new') === '1') view.querySelector<HTMLElement>('#new-ticket')?.click();
};

function customer360(c: Customer360, contracts: Contract[], query: URLSearchParams): HTMLElement {
  const p = c.profile;
  const preset = { assetId: query.get('asset'), siteId: query.get('site'), contactId: query.get('contact') };
  const newTicket = h('button.btn.btn-primary', { id: 'new-ticket', type: 'button', onclick: () => openNewTicket(c, contracts, preset) }, t('c360.newTicket'));
  const logCall = h('button.btn', { type: 'button', onclick: () => openLogCall(c, preset.contactId) }, t('c360.logCall'));
  const newTask = h(
    'button.btn',
    { type: 'button', onclick: () => openNewTask({ customerId: p.id, title: t('task.callBack', { name: p.name }) }) },
    t('c360.newTask'),
  );
  return h(
    'div.c360',
    pageHead(
      p.name,
      [
        h(`span.chip.tier-${p.tier}`, label('tier', p.tier)),
        p.code ? h('span.mono', p.code) : null,
        p.phone ? h('span', `☎ ${p.phone}`) : null,
        p.email ? h('span', p.email) : null,
      ],
      newTicket,
      logCall,
      newTask,
    ),
    kpis(c),
    h(
      'div.grid-360',
      h(
        'div.col-main',
        card(
          t('c360.openTickets'),
          table(
            c.openTickets,
            [
              { head: t('ticket.number'), cell: (x) => h('a', { href: `#/ticket/${x.id}` }, x.number) },
              { head: t('ticket.titleField'), cell: (x) => x.title },
              { head: t('ticket.status'), cell: (x) => statusChip(x.status) },
              { head: t('ticket.priority'), cell: (x) => priorityChip(x.priority) },
              {
                head: t('ticket.resolutionDue'),
                cell: (x) => h(x.resolutionBreached ? 'span.text-bad' : 'span', when(x.resolutionDueAt), x.resolutionBreached ? ` · ${t('sla.breached')}` : ''),
                wide: true,
              },
            ],
            { empty: t('c360.noOpenTickets'), onRow: (x) => (location.hash = `#/ticket/${x.id}`) },
          ),
        ),
        card(t('c360.assets'), assets(c)),
        card(t('c360.activities'), activities(c)),
      ),
      h(
        'div.col-side',
        card(t('c360.contracts'), contractsBlock(c, contracts)),
        card(
          t('c360.contacts'),
          c.contacts.length
            ? h(
                'ul.people',
                c.contacts.map((x) =>
                  h(
                    'li',
                    avatar(x.name, 'sm'),
                    h(
                      'div',
                      h('div.person-name', x.name, x.isPrimary ? h('span.tag', t('c360.primary')) : null),
                      h('div.muted.small', [x.jobTitle, ...x.phones.map((ph) => ph.number), ...x.emails.map((e) => e.address)].filter(Boolean).join(' · ')),
                    ),
                  ),
                ),
              )
            : h('p.muted', t('common.none')),
        ),
        card(t('c360.offers'), offers(c)),
      ),
    ),
  );
}

function kpis(c: Customer360): HTMLElement {
  const k = c.kpis;
  const tile = (name: string, value: string, bad = false): HTMLElement =>
    h(`div.kpi${bad ? '.kpi-bad' : ''}`, h('div.kpi-value', value), h('div.kpi-label', name));
  return h(
    'div.kpis',
    tile(t('c360.kpiOpen'), String(k.openTickets)),
    tile(t('c360.kpiBreached'), String(k.breachedOpenTickets), k.breachedOpenTickets > 0),
    tile(t('c360.kpiSla'), pct(k.slaComplianceLast90Days, (k.slaComplianceLast90Days ?? 0) <= 1)),
    tile(t('c360.kpiMttr'), k.meanTimeToResolveHours === null ? '—' : `${k.meanTimeToResolveHours.toFixed(1)} h`),
  );
}

function assets(c: Customer360): HTMLElement {
  const sites = new Map(c.sites.map((s) => [s.id, s]));
  if (!c.assets.length) return h('p.muted', t('common.none'));
  return h(
    'ul.assets',
    c.assets.map((a) => {
      const online = a.device ? a.device.online : null;
      return h(
        'li.asset',
        h(`span.health-dot.${online === null ? 'h-none' : online ? 'h-ok' : 'h-bad'}`, {
          role: 'img',
          'aria-label': online === null ? t('asset.noDevice') : online ? t('asset.online') : t('asset.offline'),
        }),
        h(
          'div.asset-text',
          h('div.asset-name', a.name ?? a.serialNumber, h('span.muted.small', ` · ${a.modelId}`)),
          h(
            'div.muted.small',
            [
              a.serialNumber,
              sites.get(a.siteId)?.name,
              a.device ? (a.device.online ? t('asset.online') : t('asset.offlineSince', { at: when(a.device.lastSeenAt) })) : t('asset.noDevice'),
            ]
              .filter(Boolean)
              .join(' · '),
          ),
          healthLine(a.health),
        ),
        h(
          'div.asset-side',
          a.openTickets ? h('span.chip.tone-warn', t('asset.openTickets', { n: a.openTickets })) : h('span.chip.tone-ok', t('asset.noTickets')),
        ),
      );
    }),
  );
}

type Health = Customer360['assets'][number]['health'];
/** Open alarms, the latest alarm and the latest reading of an asset (its metrics, a few). */
function healthLine(health: Health): HTMLElement | null {
  const alarm = health.latestAlarm;
  const reading = health.latestReading;
  if (!health.openAlarms && !alarm && !reading) return null;
  const metrics = Object.entries(reading?.metrics ?? {}).filter(([, v]) => typeof v === 'number') as [string, number][];
  return h(
    'div.health',
    health.openAlarms ? h('span.chip.tone-bad', t('asset.openAlarms', { n: health.openAlarms })) : null,
    alarm
      ? h('span.small', t('asset.latestAlarm', { what: alarm.faultCode ?? alarm.ruleId, state: label('alarm', alarm.state), at: when(alarm.lastSeenAt) }))
      : null,
    reading
      ? h(
          'span.reading',
          { title: when(reading.at) },
          metrics
            .slice(0, 4)
            .map(([name, value]) => `${name} ${Number(value.toFixed(2))}`)
            .join(' · '),
        )
      : null,
  );
}

function contractsBlock(c: Customer360, full: Contract[]): HTMLElement {
  if (!c.contracts.length) return h('p.muted', t('c360.noContract'));
  const byId = new Map(full.map((x) => [x.id, x]));
  return h(
    'div.contracts',
    c.contracts.map((x) => {
      const detail = byId.get(x.id);
      const prepaid = seesMoney() && x.prepaid.purchasedMinutes > 0;
      return h(
        'div.contract',
        h('div.contract-head', h('b', x.number), ' ', x.name, ' ', statusChip(x.status)),
        facts([
          [t('contract.period'), `${day(x.startsOn)} – ${x.endsOn ? day(x.endsOn) : t('contract.openEnded')}`],
          [t('contract.coverage'), t('contract.coverageLine', { labour: x.coverage.labourPercent, parts: x.coverage.partsPercent })],
          [t('contract.assets'), x.coveredAssets ? String(x.coveredAssets) : t('contract.allAssets')],
          prepaid
            ? [t('contract.prepaid'), t('contract.prepaidLine', { balance: hours(x.prepaid.balanceMinutes), bought: hours(x.prepaid.purchasedMinutes) })]
            : null,
          seesMoney() && typeof x.value === 'number' ? [t('contract.value'), money(x.value, x.currency)] : null,
        ]),
        detail ? h('details.sla-details', { open: x.activeToday }, h('summary', t('sla.title')), slaTable(detail)) : null,
      );
    }),
  );
}

function activities(c: Customer360): HTMLElement {
  if (!c.recentActivities.length) return h('p.muted', t('c360.noActivities'));
  return h(
    'ol.timeline',
    c.recentActivities.map((a) =>
      h(
        'li',
        h(`span.tl-kind.kind-${a.kind}`, { 'aria-hidden': 'true' }, a.kind === 'call' ? '☎' : a.kind === 'email' ? '✉' : '•'),
        h(
          'div',
          h('div', h('b', a.subject), a.ticketId ? [' · ', h('a', { href: `#/ticket/${a.ticketId}` }, t('activity.ticket'))] : null),
          h('div.muted.small', [label('activity', a.kind), label('direction', a.direction), when(a.occurredAt), a.author.name].filter(Boolean).join(' · ')),
          a.body ? h('div.tl-body', a.body) : null,
        ),
      ),
    ),
  );
}

function offers(c: Customer360): HTMLElement {
  const list = c.opportunities.open;
  if (!list.length) return h('p.muted', t('c360.noOffers'));
  return h(
    'ul.offers',
    list.map((o) =>
      h(
        'li',
        h('div', h('b', o.title), ' ', statusChip(o.stage)),
        h(
          'div.muted.small',
          [
            label('offer', o.kind),
            o.expectedCloseOn ? day(o.expectedCloseOn) : null,
            seesMoney() && typeof o.offerValue === 'number' ? money(o.offerValue, o.offerCurrency) : null,
          ]
            .filter(Boolean)
            .join(' · '),
        ),
      ),
    ),
  );
}

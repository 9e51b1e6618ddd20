/** The ticket panel's head: number, channel, priority, status and SLA; title; customer, site and asset links; assign and close. */
import { h } from '../shared/dom';
import { fmtDateTime, titleCase } from '../shared/ui';
import type { Asset, Customer, Model, Site, Ticket } from './api';
import { priorityBadge, slaBadge, statusBadge } from './badges';
import { showAssetHistory, showCustomer360 } from './details';
import type { Candidate } from './sections';
import { grafanaUrl } from './settings';

export function panelHead(o: {
  ticket: Ticket;
  customer: Customer | null | undefined;
  site: Site | null | undefined;
  asset: Asset | null | undefined;
  model: Model | null | undefined;
  /** The assigned technician's name, or null when unassigned. */
  assignee: string | null;
  /** The best-ranked technician to offer, or null. */
  best: Candidate | null;
  busy: boolean;
  onAssign(candidate: Candidate): void;
  onClose(): void;
}): HTMLElement {
  const { ticket, customer, site, asset, model } = o;
  return h(
    'header.panel-head',
    h(
      'div.ph-row',
      h('span.ph-number', ticket.number),
      ticket.channel === 'iot' ? h('span.chip.chip-iot', '⚡ IoT auto-ticket') : h('span.chip', titleCase(ticket.channel)),
      priorityBadge(ticket.priority),
      statusBadge(ticket.status),
      slaBadge(ticket),
    ),
    h('h2.ph-title', ticket.title),
    h(
      'div.ph-meta',
      customer
        ? h(
            'span',
            h('span.muted', 'Customer '),
            h('button.link', { type: 'button', title: 'Customer 360', onclick: () => void showCustomer360(customer.id, customer.name) }, customer.name),
          )
        : null,
      site ? h('span', h('span.muted', 'Site '), site.name, site.city ? `, ${site.city}` : '') : null,
      asset
        ? h(
            'span',
            h('span.muted', 'Asset '),
            h(
              'button.link.mono',
              { type: 'button', title: 'Asset history', onclick: () => void showAssetHistory(asset.id, asset.serialNumber) },
              asset.serialNumber,
            ),
            model ? ` · ${model.name}` : '',
            grafanaUrl(asset)
              ? h('a.link.ext', { href: grafanaUrl(asset), target: '_blank', rel: 'noopener', title: "The asset's Grafana dashboard (new tab)" }, 'Dashboard ↗')
              : null,
          )
        : null,
      h('span', h('span.muted', 'Opened '), fmtDateTime(ticket.createdAt)),
      o.assignee ? h('span.ph-assignee', h('span.muted', 'Assigned '), o.assignee) : null,
    ),
    h(
      'div.ph-actions',
      o.best
        ? h('button.btn.btn-primary', { type: 'button', disabled: o.busy, onclick: () => o.onAssign(o.best!) }, `Assign ${o.best.name}`, h('kbd', 'A'))
        : null,
      h('button.btn.btn-ghost', { type: 'button', title: 'Close (Esc)', onclick: o.onClose }, 'Close', h('kbd', 'Esc')),
    ),
  );
}

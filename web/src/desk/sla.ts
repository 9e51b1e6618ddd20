/** Which contract and SLA a new ticket falls under, as the server decides it (contracts.repository findApplicable). */
import { h } from '../shared/dom';
import type { Contract } from './api';
import { hours, label, t } from './i18n';

type Priority = 'low' | 'medium' | 'high' | 'critical';
/** The server's targets when no contract applies (src/service/sla/sla.policy.ts). */
const DEFAULT_SLA: Record<Priority, { responseMinutes: number; resolutionMinutes: number }> = {
  critical: { responseMinutes: 240, resolutionMinutes: 1440 },
  high: { responseMinutes: 480, resolutionMinutes: 2880 },
  medium: { responseMinutes: 1440, resolutionMinutes: 4320 },
  low: { responseMinutes: 2880, resolutionMinutes: 10080 },
};

const activeToday = (c: Contract, today: string): boolean => c.status === 'active' && c.startsOn <= today && (!c.endsOn || c.endsOn >= today);

/** An active contract covering the asset, else an active customer-level one; the latest start wins. */
export function applicableContract(contracts: readonly Contract[], assetId: string | null): Contract | null {
  const today = new Date().toISOString().slice(0, 10);
  const active = contracts.filter((c) => activeToday(c, today)).sort((a, b) => b.startsOn.localeCompare(a.startsOn));
  return (assetId ? active.find((c) => c.assetIds.includes(assetId)) : undefined) ?? active.find((c) => c.assetIds.length === 0) ?? null;
}

/** "Contract SC-1 · response 4 h, resolution 24 h (high)", or the default targets. */
export function slaLine(contract: Contract | null, priority: Priority): HTMLElement {
  const targets = contract?.sla?.[priority] ?? DEFAULT_SLA[priority];
  return h(
    'div.sla-line',
    h('span.chip.tone-brand', contract ? `${contract.number} · ${contract.name}` : t('sla.noContract')),
    h(
      'span',
      t('sla.targets', {
        priority: label('priority', priority),
        response: hours(targets.responseMinutes),
        resolution: hours(targets.resolutionMinutes),
      }),
    ),
    contract && !contract.sla ? h('span.muted.small', t('sla.defaultTargets')) : null,
  );
}

/** The SLA of a contract per priority, as a small table. */
export function slaTable(contract: Contract): HTMLElement {
  const priorities: Priority[] = ['critical', 'high', 'medium', 'low'];
  return h(
    'table.mini',
    h('caption.sr-only', t('sla.caption', { contract: contract.number })),
    h(
      'thead',
      h(
        'tr',
        h('th', { scope: 'col' }, t('ticket.priority')),
        h('th.num', { scope: 'col' }, t('sla.response')),
        h('th.num', { scope: 'col' }, t('sla.resolution')),
      ),
    ),
    h(
      'tbody',
      priorities.map((p) => {
        const target = contract.sla?.[p] ?? DEFAULT_SLA[p];
        return h('tr', h('td', label('priority', p)), h('td.num', hours(target.responseMinutes)), h('td.num', hours(target.resolutionMinutes)));
      }),
    ),
  );
}

/** What the technician app's views read: the cached jobs, the outbox, the issues, the connection. */
import type { Api } from '../shared/api';
import { toast } from '../shared/ui';
import { t } from './messages';
import type { Job } from './jobs';
import type { Action, Issue, StockLine } from './store';
import type { Sync } from './sync';

export interface AppState {
  api: Api;
  sync: Sync;
  jobs: Job[];
  /** The outbox, oldest first. */
  pending: Action[];
  issues: Issue[];
  van: StockLine[];
  lastSync: string | null;
  online: boolean;
  /** Re-renders what is on screen after a change. */
  render(): void;
}

/** Queued actions of one visit. */
export const pendingOf = (state: AppState, visitId: string, kind?: Action['kind']): Action[] =>
  state.pending.filter((a) => a.visitId === visitId && (!kind || a.kind === kind));

/** A visit's stage, counting actions not yet synced: planned → en route → on site → completed. */
export function stageOf(state: AppState, job: Job): 'planned' | 'en_route' | 'in_progress' | 'completed' | 'cancelled' {
  const visit = job.visit;
  if (visit.status === 'completed' || pendingOf(state, job.id, 'close').length) return 'completed';
  if (visit.status === 'cancelled') return 'cancelled';
  if (visit.status === 'in_progress' || visit.actualStart || pendingOf(state, job.id, 'arrived').length) return 'in_progress';
  if (visit.etaAt || job.enRouteAt || job.ticket.status === 'en_route' || pendingOf(state, job.id, 'en_route').length) return 'en_route';
  return 'planned';
}

/** Queues a visit action and says whether it went out or waits for the network. */
export async function act(state: AppState, job: Job, action: Omit<Action, 'key' | 'queuedAt' | 'visitId'>, versioned = true): Promise<void> {
  // The version as the device knows it now: a form rendered earlier may hold an older copy of the job.
  const version = (state.jobs.find((j) => j.id === job.id) ?? job).visit.version;
  await state.sync.queue({ ...action, visitId: job.id, ...(versioned ? { baseVersion: version } : {}) });
  if (!state.online) toast('info', t('queued'));
  state.render();
}

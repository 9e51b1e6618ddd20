/**
 * What did not sync, never dropped silently: conflicts (the office changed the visit meanwhile:
 * mine and the office's version side by side, discard or re-apply) and actions the server
 * refused (listed with its reason until dismissed).
 */
import { h } from '../shared/dom';
import type { Action, Issue } from './store';
import { i18n, label, t } from './messages';
import type { AppState } from './state';
import type { Visit } from './jobs';

/** The action in words, e.g. "Labour 35 min". */
export function actionText(action: Action): string {
  return t(`kind_${action.kind}`, action.vars ?? {});
}

function mine(action: Action): HTMLElement {
  const body = action.body ?? {};
  const rows = Object.entries(body)
    .filter(([, v]) => typeof v !== 'object' || v === null)
    .map(([k, v]) => h('div', h('span.muted', `${k}: `), String(v)));
  return h('div.version', h('div.version-title', t('conflictMine')), h('div', actionText(action)), rows);
}

function office(visit: Visit | null | undefined): HTMLElement {
  if (!visit) return h('div.version', h('div.version-title', t('conflictOffice')), '—');
  const when = (iso: string | null) => (iso ? i18n.date(iso) : '—');
  return h(
    'div.version',
    h('div.version-title', t('conflictOffice')),
    h('div', label('status', visit.status)),
    h('div', `${when(visit.plannedStart)} – ${when(visit.plannedEnd)}`),
    visit.outcome ? h('div', label('outcome', visit.outcome)) : null,
    visit.notes ? h('div.muted', visit.notes) : null,
    h('div.muted.small', `v${visit.version}`),
  );
}

export function renderIssues(state: AppState): HTMLElement | null {
  if (!state.issues.length) return null;
  const conflicts = state.issues.filter((i) => i.type === 'conflict');
  const rejected = state.issues.filter((i) => i.type === 'rejected');
  const act = (fn: () => Promise<void>) => async () => {
    await fn();
    state.render();
  };
  const visitName = (issue: Issue): string => state.jobs.find((j) => j.id === issue.action.visitId)?.ticket.number ?? '';
  return h(
    'section.issues',
    { 'aria-label': t('sync') },
    conflicts.length
      ? h(
          'div.issue-group.conflicts',
          h('h2', t('conflicts')),
          h('p.small', t('conflictText')),
          conflicts.map((issue) =>
            h(
              'div.issue',
              { dataset: { issue: issue.key } },
              h('div.issue-head', h('span.mono', visitName(issue)), ' ', actionText(issue.action)),
              h('div.versions', mine(issue.action), office(issue.current)),
              h(
                'div.issue-actions',
                h('button.btn.btn-sm.btn-primary', { type: 'button', onclick: act(() => state.sync.reapply(issue)) }, t('reapply')),
                h('button.btn.btn-sm', { type: 'button', onclick: act(() => state.sync.discard(issue)) }, t('discard')),
              ),
            ),
          ),
        )
      : null,
    rejected.length
      ? h(
          'div.issue-group.rejected',
          h('h2', t('rejected')),
          h('p.small', t('rejectedText')),
          h(
            'ul.rejected-list',
            rejected.map((issue) =>
              h(
                'li.issue',
                { dataset: { issue: issue.key } },
                h('div.issue-head', h('span.mono', visitName(issue)), ' ', actionText(issue.action)),
                h('div.small', issue.message),
                h('button.btn.btn-sm', { type: 'button', onclick: act(() => state.sync.discard(issue)) }, t('dismiss')),
              ),
            ),
          ),
        )
      : null,
  );
}

/**
 * Finishing a visit: the checklist (each item ticked, with a note where required), the outcome
 * (fixed / another visit needed / no fault found) with notes, the customer's acceptance (drawn
 * signature or typed confirmation) and, once complete, a knowledge-base proposal. What is typed
 * is kept per visit while the app is open, so a re-render or a sync never loses it.
 */
import { h } from '../shared/dom';
import { toast } from '../shared/ui';
import type { Job } from './jobs';
import { label, t } from './messages';
import { signatureField } from './signature';
import { act, pendingOf, stageOf, type AppState } from './state';
import { putJob } from './store';

const OUTCOMES = ['fixed', 'another_visit_needed', 'not_fixed'] as const;
type Outcome = (typeof OUTCOMES)[number];

interface Draft {
  outcome?: Outcome;
  notes: string;
  name: string;
  confirmation: string;
}
const drafts = new Map<string, Draft>();
const draftOf = (id: string): Draft => drafts.get(id) ?? drafts.set(id, { notes: '', name: '', confirmation: '' }).get(id)!;

function checklist(state: AppState, job: Job): HTMLElement {
  const items = job.checklist;
  const body = items.length
    ? h(
        'ul.checklist',
        items.map((item) => {
          const id = `check-${item.id}`;
          const box = h('input.check', { id, type: 'checkbox', checked: item.done });
          const note = h('input.input', {
            type: 'text',
            value: item.note ?? '',
            placeholder: item.noteRequired ? t('noteRequired') : t('note'),
            'aria-label': `${t('note')}: ${item.label}`,
          });
          const save = async (): Promise<void> => {
            item.done = box.checked;
            item.note = note.value.trim() || null;
            await putJob(job);
            await act(
              state,
              job,
              {
                kind: 'checklist',
                method: 'PUT',
                path: `/api/v1/visits/${job.id}/checklist/${encodeURIComponent(item.id)}`,
                body: { done: item.done, note: item.note },
              },
              false,
            );
          };
          box.addEventListener('change', () => void save());
          note.addEventListener('change', () => void save());
          return h(
            'li.check-item',
            h('label.check-label', { for: id }, box, h('span', item.label), item.required ? h('span.required', { 'aria-hidden': 'true' }, '*') : null),
            item.photoRequired ? itemPhoto(state, job, item.id, item.attachmentId) : null,
            note,
          );
        }),
      )
    : h('p.muted', t('noChecklist'));
  return h('section.step', h('h2.step-title', t('checklist')), body);
}

/** A photo for one checklist item: uploaded with the visit's files, then the item is ticked with it. */
function itemPhoto(state: AppState, job: Job, itemId: string, attachmentId: string | null | undefined): HTMLElement {
  const waiting = state.pending.some((a) => a.checklistItemId === itemId);
  if (attachmentId || waiting) return h('span.chip.chip-ok', '✓ ', t('photoRequired'));
  const id = `check-photo-${itemId}`;
  const input = h('input.visually-hidden', { id, type: 'file', accept: 'image/*', capture: 'environment' });
  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    if (!file) return;
    await act(
      state,
      job,
      {
        kind: 'photo',
        method: 'POST',
        path: `/api/v1/visits/${job.id}/attachments`,
        file: { blob: file, name: file.name || 'photo.jpg' },
        checklistItemId: itemId,
        vars: { name: file.name },
      },
      false,
    );
  });
  return h('label.btn.btn-sm', { for: id }, '◉ ', t('photoRequired'), input);
}

function outcomeStep(job: Job): HTMLElement {
  const draft = draftOf(job.id);
  const notes = h('textarea.input', { id: 'outcome-notes', rows: 4 }, draft.notes);
  notes.addEventListener('input', () => (draft.notes = notes.value));
  return h(
    'section.step',
    h(
      'fieldset.outcomes',
      h('legend.step-title', t('outcome')),
      OUTCOMES.map((o) => {
        const input = h('input', { type: 'radio', name: `outcome-${job.id}`, value: o, id: `outcome-${o}`, checked: draft.outcome === o });
        input.addEventListener('change', () => (draft.outcome = o));
        return h('label.outcome', { for: `outcome-${o}` }, input, h('span', label('outcome', o)));
      }),
    ),
    h('label.field-label', { for: 'outcome-notes' }, t('notes')),
    notes,
  );
}

function acceptanceStep(state: AppState, job: Job): HTMLElement {
  const draft = draftOf(job.id);
  const sign = signatureField(() => undefined);
  const name = h('input.input', { id: 'signer-name', type: 'text', autocomplete: 'off', value: draft.name });
  name.addEventListener('input', () => (draft.name = name.value));
  const confirmation = h('input.input', { id: 'signer-confirmation', type: 'text', value: draft.confirmation });
  confirmation.addEventListener('input', () => (draft.confirmation = confirmation.value));
  const complete = h('button.btn.btn-primary.btn-block.btn-big', { type: 'button', id: 'complete' }, '✓ ', t('complete'));
  complete.addEventListener('click', async () => {
    const signature = sign.value();
    const typed = draft.confirmation.trim();
    if (!draft.outcome || !draft.notes.trim() || !draft.name.trim() || (!signature && typed.length < 3)) {
      toast('error', t('completeNeeds'));
      return;
    }
    complete.disabled = true;
    const acceptance = { name: draft.name.trim(), ...(signature ? { signature } : { confirmation: typed }) };
    const notes = draft.outcome === 'not_fixed' ? `${label('outcome', 'not_fixed')}: ${draft.notes.trim()}` : draft.notes.trim();
    const started = job.visit.actualStart ?? pendingOf(state, job.id, 'arrived')[0]?.body?.actualStart;
    await act(state, job, {
      kind: 'close',
      method: 'POST',
      path: `/api/v1/visits/${job.id}/close`,
      body: { outcome: draft.outcome, resolutionNotes: notes, acceptance, ...(started ? {} : { actualStart: new Date().toISOString() }) },
    });
    drafts.delete(job.id);
  });
  return h(
    'section.step',
    h('h2.step-title', t('acceptance')),
    sign.element,
    h('label.field-label', { for: 'signer-name' }, t('signerName')),
    name,
    h('label.field-label', { for: 'signer-confirmation' }, t('typedConfirmation')),
    confirmation,
    complete,
  );
}

function feedback(state: AppState, job: Job): HTMLElement {
  const sent = pendingOf(state, job.id, 'feedback').length > 0;
  const button = h('button.btn', { type: 'button', id: 'kb-propose', disabled: sent }, sent ? `✓ ${t('feedbackSent')}` : t('feedbackSend'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    await act(state, job, { kind: 'feedback', method: 'POST', path: `/api/v1/visits/${job.id}/knowledge-proposal`, body: {} }, false);
    toast('success', t('feedbackSent'));
  });
  return h('section.step', { dataset: { live: 'feedback' } }, h('h2.step-title', t('feedback')), h('p.muted', t('feedbackText')), button);
}

export function renderFinish(state: AppState, job: Job): HTMLElement | null {
  const stage = stageOf(state, job);
  if (stage === 'completed') {
    return h(
      'div.finish',
      h(
        'section.step.done',
        { dataset: { live: 'done' } },
        h('h2.step-title', '✓ ', t('completed')),
        job.visit.outcome ? h('p', label('outcome', job.visit.outcome)) : null,
      ),
      feedback(state, job),
    );
  }
  if (stage !== 'in_progress') return null;
  return h('div.finish', checklist(state, job), outcomeStep(job), acceptanceStep(state, job));
}

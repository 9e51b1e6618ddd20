/**
 * The visit's work, step by step: set out (the position follows while travelling), arrived,
 * labour start/stop (each span one labour entry), parts used from the van (search or scan),
 * photos and files; then the checklist, outcome and acceptance (finish.ts). Every step is an
 * outbox action (sync.ts): it shows at once, marked as waiting until the server has it.
 * Sections marked data-live are swapped on every change; the forms keep what is typed.
 */
import { h } from '../shared/dom';
import { toast } from '../shared/ui';
import { currentPosition, startTracking, stopTracking } from './geo';
import type { Job } from './jobs';
import { i18n, t } from './messages';
import { scanBarcode } from './scan';
import { act, pendingOf, stageOf, type AppState } from './state';
import { deleteMeta, setMeta } from './store';
import { time } from './today';
import { renderFinish } from './finish';

const waiting = (): HTMLElement => h('span.chip.chip-pending', t('waiting'));

function step(title: string, live: string, ...body: (HTMLElement | null | HTMLElement[])[]): HTMLElement {
  return h('section.step', { dataset: live ? { live } : {} }, h('h2.step-title', title), ...body);
}

function travel(state: AppState, job: Job): HTMLElement {
  const stage = stageOf(state, job);
  const base = `/api/v1/visits/${job.id}`;
  if (stage === 'planned') {
    const setOut = h('button.btn.btn-primary.btn-block.btn-big', { type: 'button', id: 'en-route' }, '➤ ', t('enRoute'));
    setOut.addEventListener('click', async () => {
      setOut.disabled = true;
      const position = await currentPosition(3_000);
      startTracking(state.api, job.id);
      await act(state, job, { kind: 'en_route', method: 'POST', path: `${base}/en-route`, body: position ?? {} });
    });
    return step(t('enRoute'), 'travel', setOut);
  }
  const enRouteAt = pendingOf(state, job.id, 'en_route')[0]?.queuedAt ?? job.enRouteAt ?? null;
  if (stage === 'en_route') {
    if (navigator.geolocation) startTracking(state.api, job.id);
    const arrived = h('button.btn.btn-primary.btn-block.btn-big', { type: 'button', id: 'arrived' }, '⌂ ', t('arrived'));
    arrived.addEventListener('click', async () => {
      arrived.disabled = true;
      stopTracking();
      await act(state, job, { kind: 'arrived', method: 'PATCH', path: base, body: { actualStart: new Date().toISOString() } });
    });
    return step(
      t('status_en_route'),
      'travel',
      h('p.live-note', h('span.pulse', { 'aria-hidden': 'true' }), t('sharingLocation')),
      enRouteAt ? h('p.muted', t('enRouteDone', { time: time(enRouteAt) })) : null,
      arrived,
    );
  }
  const since = job.visit.actualStart ?? (pendingOf(state, job.id, 'arrived')[0]?.body?.actualStart as string | undefined);
  return step(t('arrived'), 'travel', h('p', '✓ ', since ? t('arrivedDone', { time: time(since) }) : t(`status_${stage}`)));
}

function labour(state: AppState, job: Job, timers: Map<string, string>): HTMLElement {
  const running = timers.get(job.id);
  const spans = [
    ...job.visit.labour.map((l) =>
      h(
        'li.row',
        h('span', l.description ?? i18n.date(l.recordedAt, { hour: '2-digit', minute: '2-digit' })),
        h('span', t('labourSpan', { minutes: l.minutes })),
      ),
    ),
    ...pendingOf(state, job.id, 'labour').map((a) =>
      h('li.row.is-pending', h('span', String(a.body?.description ?? '')), h('span.row-end', waiting(), t('labourSpan', { minutes: Number(a.body?.minutes) }))),
    ),
  ];
  const button = running
    ? h('button.btn.btn-danger.btn-block', { type: 'button', id: 'labour-stop' }, '■ ', t('labourStop'))
    : h('button.btn.btn-primary.btn-block', { type: 'button', id: 'labour-start' }, '▶ ', t('labourStart'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    if (!running) {
      const start = new Date().toISOString();
      timers.set(job.id, start);
      await setMeta(`timer:${job.id}`, start);
      state.render();
      return;
    }
    const end = new Date();
    const minutes = Math.min(24 * 60, Math.max(1, Math.round((end.getTime() - Date.parse(running)) / 60_000)));
    timers.delete(job.id);
    await deleteMeta(`timer:${job.id}`);
    await act(state, job, {
      kind: 'labour',
      method: 'POST',
      path: `/api/v1/visits/${job.id}/labour`,
      body: { minutes, description: `${time(running)}–${time(end.toISOString())}` },
      vars: { minutes },
    });
  });
  return step(
    t('labour'),
    'labour',
    running ? h('p.live-note', h('span.pulse', { 'aria-hidden': 'true' }), t('labourRunning', { time: time(running) })) : null,
    button,
    spans.length ? h('ul.rows', spans) : h('p.muted', t('noLabour')),
  );
}

function partsUsed(state: AppState, job: Job): HTMLElement {
  const used = [
    ...job.visit.parts.map((p) =>
      h('li.row', h('span', h('span.mono', p.sku), p.description ? h('span.muted', ` ${p.description}`) : null), h('span', `× ${i18n.number(p.quantity)}`)),
    ),
    ...pendingOf(state, job.id, 'part').map((a) =>
      h('li.row.is-pending', h('span.mono', String(a.body?.sku)), h('span.row-end', waiting(), `× ${i18n.number(Number(a.body?.quantity))}`)),
    ),
  ];
  return h('div', { dataset: { live: 'parts' } }, used.length ? h('ul.rows', used) : h('p.muted', t('noPartsUsed')));
}

function partsForm(state: AppState, job: Job): HTMLElement {
  const list = h(
    'datalist',
    { id: `van-${job.id}` },
    state.van.map((s) => h('option', { value: s.sku }, `${s.name ?? s.sku} · ${t('available', { n: s.available })}`)),
  );
  const sku = h('input.input', {
    id: 'part-sku',
    type: 'search',
    list: `van-${job.id}`,
    autocomplete: 'off',
    placeholder: t('partsSearch'),
    'aria-label': t('partsSearch'),
  });
  const quantity = h('input.input.qty', {
    id: 'part-qty',
    type: 'number',
    min: '0.001',
    step: 'any',
    value: '1',
    inputmode: 'decimal',
    'aria-label': t('quantity'),
  });
  const add = async (): Promise<void> => {
    const code = sku.value.trim();
    const amount = Number(quantity.value);
    if (!code || !(amount > 0)) return;
    sku.value = '';
    quantity.value = '1';
    await act(state, job, {
      kind: 'part',
      method: 'POST',
      path: `/api/v1/visits/${job.id}/parts`,
      body: { sku: code, quantity: amount },
      vars: { sku: code, quantity: amount },
    });
  };
  const scan = h('button.btn', { type: 'button', id: 'part-scan' }, '▦ ', t('partsScan'));
  scan.addEventListener('click', async () => {
    const code = await scanBarcode();
    if (!code) return;
    const match = state.van.find((s) => s.sku.toLowerCase() === code.toLowerCase());
    sku.value = match?.sku ?? code;
    if (!match && state.van.length) toast('info', t('scanUnknown', { code }));
    sku.focus();
  });
  return h(
    'form.parts-form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        void add();
      },
    },
    list,
    h('div.parts-row', sku, quantity, h('button.btn.btn-primary', { type: 'submit', id: 'part-add' }, t('partsAdd'))),
    scan,
    state.van.length ? null : h('p.muted.small', t('noVanStock')),
  );
}

const previews = new Map<string, string>();

function photos(state: AppState, job: Job, uploaded: { name: string }[]): HTMLElement {
  const pending = pendingOf(state, job.id, 'photo');
  const thumbs = pending.map((a) => {
    const img = h('img.thumb', { alt: a.file?.name ?? '' });
    const known = previews.get(a.key);
    if (known) img.src = known;
    else if (a.file?.blob.type.startsWith('image/')) {
      // A data: URL (the CSP allows data: images, not blob:).
      const reader = new FileReader();
      reader.onload = () => {
        previews.set(a.key, String(reader.result));
        img.src = String(reader.result);
      };
      reader.readAsDataURL(a.file.blob);
    }
    return h('li.photo.is-pending', img, waiting());
  });
  const done = uploaded.map((u) => h('li.photo', h('span.file-icon', { 'aria-hidden': 'true' }, '▣'), h('span.small', u.name)));
  return h('div', { dataset: { live: 'photos' } }, thumbs.length || done.length ? h('ul.photos', thumbs, done) : h('p.muted', t('noPhotos')));
}

function photoInputs(state: AppState, job: Job): HTMLElement {
  const pick = (id: string, text: string, attrs: Record<string, string>) => {
    const input = h('input.visually-hidden', { id, type: 'file', ...attrs });
    input.addEventListener('change', async () => {
      for (const file of Array.from(input.files ?? [])) {
        await act(
          state,
          job,
          {
            kind: 'photo',
            method: 'POST',
            path: `/api/v1/visits/${job.id}/attachments`,
            file: { blob: file, name: file.name || 'photo.jpg' },
            vars: { name: file.name },
          },
          false,
        );
      }
      input.value = '';
    });
    return h('label.btn', { for: id }, text, input);
  };
  return h(
    'div.photo-actions',
    pick('photo-camera', `◉ ${t('addPhoto')}`, { accept: 'image/*', capture: 'environment' }),
    pick('photo-file', `+ ${t('addFile')}`, { accept: 'image/jpeg,image/png,image/webp,application/pdf', multiple: '' }),
  );
}

/** Uploaded attachments per visit (fetched when online; the device keeps only what is waiting). */
export const uploadedFiles = new Map<string, { name: string }[]>();

export function renderWork(state: AppState, job: Job, timers: Map<string, string> = labourTimers): HTMLElement {
  const stage = stageOf(state, job);
  const working = stage === 'in_progress' || stage === 'en_route';
  return h(
    'div.work',
    h('h2.section-title', t('steps')),
    travel(state, job),
    stage === 'planned' ? null : labour(state, job, timers),
    working || stage === 'completed' ? step(t('parts'), '', partsUsed(state, job), stage === 'completed' ? null : partsForm(state, job)) : null,
    working || stage === 'completed' ? step(t('photos'), '', photos(state, job, uploadedFiles.get(job.id) ?? []), photoInputs(state, job)) : null,
    renderFinish(state, job),
  );
}

/** Running labour timers per visit (start instant), loaded from the store at start. */
export const labourTimers = new Map<string, string>();

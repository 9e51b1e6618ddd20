/**
 * /app — the technician's progressive web app (#17): sign-in, today's and upcoming visits, each
 * visit's details and work steps, all from the device's copy (store.ts) so it works offline; the
 * outbox (sync.ts) sends what was done when the network is there. Routes: #/ and #/visit/<id>.
 */
import '../shared/wa';
import '../shared/base.css';
import './app.css';
import { createApi } from '../shared/api';
import { $, h, logo, mount } from '../shared/dom';
import { isLanguage, LANGUAGES, storeLanguage } from '../shared/i18n';
import { article, renderSignIn } from '../shared/signin';
import { toastError } from '../shared/ui';
import { renderIssues } from './issues';
import { fetchJobs, type Job } from './jobs';
import { i18n, setLanguage, t } from './messages';
import { disablePush, enablePush, pushState } from './push';
import type { AppState } from './state';
import { clearAll, deleteMeta, getMeta, issues, loadJobs, outbox, saveJobs, setMeta, type StockLine } from './store';
import { Sync } from './sync';
import { renderToday } from './today';
import { notFound, renderVisit } from './visit';
import { labourTimers, uploadedFiles } from './work';
import { stopTracking } from './geo';

// The worker's scope is /app/: the page must live under it to be controlled (and work offline).
if (location.pathname === '/app') location.replace(`/app/${location.hash}`);

const api = createApi('app');
const root = $('#root');
const content = h('main.content', { id: 'content' });
const bar = h('header.topbar-app');
const issueBox = h('div', { id: 'issues' });

const state: AppState = {
  api,
  sync: new Sync(api, { changed: () => void reloadLocal(), visitUpdated: () => void reloadLocal() }),
  jobs: [],
  pending: [],
  issues: [],
  van: [],
  lastSync: null,
  online: navigator.onLine,
  render,
};

/** Re-reads the device's copy (jobs, outbox, issues) and re-renders. */
async function reloadLocal(): Promise<void> {
  [state.jobs, state.pending, state.issues] = await Promise.all([loadJobs(), outbox(), issues()]);
  render();
}

function route(): { name: 'today' } | { name: 'visit'; id: string } {
  const match = /^#\/visit\/([\w-]+)/.exec(location.hash);
  return match ? { name: 'visit', id: match[1]! } : { name: 'today' };
}

function syncIndicator(): HTMLElement {
  const waiting = state.pending.length;
  const kind = !state.online ? 'offline' : waiting ? 'pending' : 'online';
  const text = !state.online ? t('offline') : waiting ? t('pending', { n: waiting }) : t('synced');
  return h(
    `button.sync-state.sync-${kind}`,
    {
      type: 'button',
      id: 'sync-state',
      title: state.lastSync ? t('lastSynced', { time: i18n.date(state.lastSync) }) : t('notSynced'),
      onclick: () => void refresh(),
    },
    h('span.dot', { 'aria-hidden': 'true' }),
    h('span', { role: 'status' }, text, waiting && !state.online ? ` · ${t('pending', { n: waiting })}` : ''),
  );
}

function renderBar(): void {
  mount(
    bar,
    h('a.brand', { href: '#/', 'aria-label': `Telemend — ${t('today')}` }, logo(), h('span.brand-name', 'Telemend')),
    syncIndicator(),
    h('button.icon-btn', { type: 'button', id: 'menu', 'aria-label': t('settings'), onclick: () => void openSettings() }, '☰'),
  );
}

function render(): void {
  if (!api.session.token) return;
  document.title = `${t('area')} · Telemend`;
  renderBar();
  mount(issueBox, renderIssues(state));
  const r = route();
  let view: HTMLElement;
  if (r.name === 'visit') {
    const job = state.jobs.find((j: Job) => j.id === r.id);
    view = job ? renderVisit(state, job) : notFound();
  } else view = renderToday(state);
  view.dataset.route = r.name === 'visit' ? `visit:${r.id}` : 'today';
  const current = content.firstElementChild as HTMLElement | null;
  if (current?.dataset.route === view.dataset.route && r.name === 'visit') {
    // Same visit: swap only what changed (data-live), so forms keep what is typed.
    const before = [...current.querySelectorAll<HTMLElement>('[data-live]')];
    const after = [...view.querySelectorAll<HTMLElement>('[data-live]')];
    if (before.map((e) => e.dataset.live).join() === after.map((e) => e.dataset.live).join()) {
      before.forEach((el, i) => el.replaceWith(after[i]!));
      return;
    }
    const y = window.scrollY;
    mount(content, view);
    window.scrollTo(0, y);
    return;
  }
  mount(content, view);
}

async function loadVan(): Promise<StockLine[]> {
  const me = api.session.user?.id;
  if (!me) return [];
  const locations = await api.ok(api.client.GET('/api/v1/stock/locations', { params: { query: { kind: 'van', technicianId: me } } }));
  const van = locations.items[0];
  if (!van) return [];
  const levels = await api.ok(api.client.GET('/api/v1/stock/levels', { params: { query: { locationId: van.id, limit: 200 } } }));
  return levels.items.filter((l) => l.available > 0).map((l) => ({ sku: l.sku, available: l.available }));
}

/** Loads the jobs from the server into the device's copy (and sends what waits first). */
async function refresh(): Promise<void> {
  if (!navigator.onLine || !api.session.token) return;
  await state.sync.flush();
  try {
    const jobs = await fetchJobs(api);
    await saveJobs(jobs);
    state.van = await loadVan().catch(() => state.van);
    await setMeta('van', state.van);
    state.lastSync = new Date().toISOString();
    await setMeta('lastSync', state.lastSync);
    const r = route();
    if (r.name === 'visit') await loadUploaded(r.id);
  } catch (error) {
    if (navigator.onLine) toastError(error, t('loadFailed'));
  }
  await reloadLocal();
}

async function loadUploaded(visitId: string): Promise<void> {
  try {
    const list = await api.ok(api.client.GET('/api/v1/visits/{id}/attachments', { params: { path: { id: visitId } } }));
    uploadedFiles.set(
      visitId,
      list.items.map((a) => ({ name: a.fileName })),
    );
  } catch {
    // Offline or not allowed: the list of uploaded files is only a convenience.
  }
}

type Dialog = HTMLElement & { open: boolean };

async function openSettings(): Promise<void> {
  const push = await pushState().catch(() => 'unsupported' as const);
  const language = h(
    'select.input',
    { id: 'language' },
    LANGUAGES.map((l) => h('option', { value: l, selected: l === i18n.language }, l === 'de' ? 'Deutsch' : 'English')),
  );
  const dialog = h('wa-dialog', { label: t('settings'), 'light-dismiss': true }) as Dialog;
  language.addEventListener('change', () => {
    if (!isLanguage(language.value)) return;
    storeLanguage('app', language.value);
    setLanguage(language.value);
    dialog.open = false;
    mount(content);
    render();
  });
  const pushButton =
    push === 'unsupported'
      ? h('p.muted', t('pushUnavailable'))
      : h(
          'button.btn',
          {
            type: 'button',
            id: 'push-toggle',
            onclick: async () => {
              try {
                if (push === 'on') await disablePush(api);
                else await enablePush(api);
                dialog.open = false;
              } catch (error) {
                toastError(error, t('notifications'));
              }
            },
          },
          push === 'on' ? `${t('pushOn')} · ${t('pushOff')}` : t('enablePush'),
        );
  const signOut = h('button.btn.btn-block', { type: 'button', id: 'sign-out' }, t('signOut'));
  signOut.addEventListener('click', async () => {
    dialog.open = false;
    stopTracking();
    await api.logout();
    await clearAll();
    signIn();
  });
  dialog.append(
    h('label.field-label', { for: 'language' }, t('language')),
    language,
    h('h2.field-label', t('notifications')),
    pushButton,
    h('p.muted.small', state.lastSync ? t('lastSynced', { time: i18n.date(state.lastSync) }) : t('notSynced')),
    signOut,
  );
  dialog.addEventListener('wa-after-hide', () => dialog.remove());
  document.body.append(dialog);
  dialog.open = true;
}

function signIn(message?: string): void {
  mount(root);
  root.className = 'signin';
  renderSignIn(root, {
    api,
    area: t('area'),
    intro: t('intro'),
    roles: ['technician'],
    refusal: (role) => t('refusal', { role, article: article(role) }),
    foot: t('foot'),
    message,
    onSignedIn: async (user) => {
      await setMeta('session', { token: api.session.token, user });
      await start();
    },
  });
}

async function start(): Promise<void> {
  root.className = 'shell';
  root.hidden = false;
  mount(root, bar, issueBox, content);
  const [van, lastSync] = await Promise.all([getMeta<StockLine[]>('van'), getMeta<string>('lastSync')]);
  state.van = van ?? [];
  state.lastSync = lastSync ?? null;
  for (const job of await loadJobs()) {
    const started = await getMeta<string>(`timer:${job.id}`);
    if (started) labourTimers.set(job.id, started);
  }
  await reloadLocal();
  void refresh();
}

window.addEventListener('hashchange', () => {
  window.scrollTo(0, 0);
  render();
  const r = route();
  if (r.name === 'visit' && navigator.onLine) void loadUploaded(r.id).then(render);
});
window.addEventListener('online', () => {
  state.online = true;
  void refresh();
});
window.addEventListener('offline', () => {
  state.online = false;
  render();
});
// The SLA countdowns move, and what waits is retried.
window.setInterval(() => {
  if (navigator.onLine && state.pending.length) void state.sync.flush();
  render();
}, 60_000);

api.onSignedOut(() => {
  void deleteMeta('session');
  signIn(t('sessionEnded'));
});

async function boot(): Promise<void> {
  setLanguage(i18n.language);
  if ('serviceWorker' in navigator) void navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(() => undefined);
  // The token outlives the tab on this device (IndexedDB), so the app reopens offline signed in.
  const saved = await getMeta<{ token: string; user: NonNullable<typeof api.session.user> }>('session');
  if (!api.session.token && saved?.token) api.session.save(saved.token, saved.user);
  if (api.session.token && api.session.user?.role === 'technician') await start();
  else signIn();
}

void boot();

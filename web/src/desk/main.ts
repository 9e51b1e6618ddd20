/**
 * /desk — the front desk and back office (#18): sign-in for agents, dispatchers and admins, then
 * a shell with a navigation rail and one view at a time, picked by the address's hash
 * (`#/customer/<id>`, `#/office/invoices`, ...), so the browser's back button and links work.
 */
import '../shared/wa';
import '../shared/base.css';
import './desk.css';
import { isLanguage } from '../shared/i18n';
import { $, h, mount } from '../shared/dom';
import { article, renderSignIn } from '../shared/signin';
import { avatar } from '../shared/ui';
import { api, DESK_ROLES, isAdmin } from './api';
import { label, switchLanguage, t, tr, type MessageKey } from './i18n';
import { ROUTES, type Route } from './routes';

function showSignIn(message?: string): void {
  $('#app').hidden = true;
  renderSignIn($('#signin'), {
    api,
    area: t('app.area'),
    intro: t('signin.intro'),
    roles: DESK_ROLES,
    refusal: (role) => t('signin.refusal', { article: article(role), role }),
    foot: t('signin.foot'),
    message,
    onSignedIn: () => start(),
  });
}

interface NavItem {
  href: string;
  key: MessageKey;
  admin?: boolean;
}
const NAV: NavItem[] = [
  { href: '#/', key: 'nav.intake' },
  { href: '#/tasks', key: 'nav.tasks' },
  { href: '#/profile', key: 'nav.profile' },
  { href: '#/office/contracts', key: 'nav.contracts', admin: true },
  { href: '#/office/stock', key: 'nav.stock', admin: true },
  { href: '#/office/invoices', key: 'nav.invoices', admin: true },
  { href: '#/office/knowledge', key: 'nav.knowledge', admin: true },
  { href: '#/office/reports', key: 'nav.reports', admin: true },
];

function renderNav(): void {
  const items = NAV.filter((item) => !item.admin || isAdmin());
  const link = (item: NavItem): HTMLElement => h('a.nav-link', { href: item.href, dataset: { href: item.href } }, t(item.key));
  mount(
    $('#nav'),
    h('div.nav-group', items.filter((i) => !i.admin).map(link)),
    isAdmin() ? h('div.nav-group', h('div.nav-head', t('nav.office')), items.filter((i) => i.admin).map(link)) : null,
  );
}

function markNav(path: string): void {
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#nav .nav-link')) {
    const href = a.dataset.href!.slice(1);
    const current = href === '/' ? path === '/' || path.startsWith('/customer') || path.startsWith('/ticket') : path.startsWith(href);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

/** `#/customer/<id>?asset=<id>` → the route, its parameters and the query. */
function parseHash(): { path: string; route: Route | undefined; params: string[]; query: URLSearchParams } {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path = '/', search = ''] = raw.split('?');
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (match) return { path, route, params: match.slice(1), query: new URLSearchParams(search) };
  }
  return { path, route: undefined, params: [], query: new URLSearchParams(search) };
}

let rendering = 0;
async function render(): Promise<void> {
  const mine = ++rendering;
  const view = $('#view');
  const { path, route, params, query } = parseHash();
  markNav(path);
  document.body.classList.remove('nav-open');
  $('#nav-toggle').setAttribute('aria-expanded', 'false');
  if (!route) {
    mount(view, h('section.card', h('h1.page-title', t('common.notFound'))));
    return;
  }
  if (route.admin && !isAdmin()) {
    mount(view, h('section.card.refused', { role: 'alert' }, h('h1.page-title', t('office.refusedTitle')), h('p.muted', t('office.refused'))));
    document.title = `${t('office.refusedTitle')} · Telemend Desk`;
    return;
  }
  await route.render(view, params, query, () => mine === rendering);
  if (mine === rendering) view.focus({ preventScroll: true });
}

let started = false;
function start(): void {
  $('#signin').hidden = true;
  $('#app').hidden = false;
  const user = api.session.user;
  mount($('#user'), avatar(user?.name ?? '?', 'sm'), h('div.user-text', h('div.user-name', user?.name ?? ''), h('div.muted.small', label('role', user?.role))));
  renderNav();
  if (!started) {
    started = true;
    window.addEventListener('hashchange', () => void render());
    $('#signout').onclick = async () => {
      await api.logout();
      showSignIn();
    };
    $('#nav-toggle').onclick = () => {
      const open = document.body.classList.toggle('nav-open');
      $('#nav-toggle').setAttribute('aria-expanded', String(open));
    };
    document.addEventListener('keydown', (event) => {
      const target = event.target as HTMLElement;
      const typing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
      if (event.key === '/' && !typing && !event.metaKey && !event.ctrlKey) {
        event.preventDefault();
        if (location.hash && location.hash !== '#/') location.hash = '#/';
        else document.querySelector<HTMLInputElement>('#intake-search')?.focus();
      }
    });
  }
  void render();
}

function localise(): void {
  document.documentElement.lang = tr.language;
  $('#brand-area').textContent = t('app.short');
  $('#signout').textContent = t('common.signOut');
  $('#nav-toggle').setAttribute('aria-label', t('nav.menu'));
  const lang = $<HTMLSelectElement>('#lang');
  lang.setAttribute('aria-label', t('common.language'));
  lang.value = tr.language;
  lang.onchange = () => {
    if (isLanguage(lang.value)) switchLanguage(lang.value);
  };
}

localise();
api.onSignedOut(() => showSignIn(t('signin.ended')));
if (api.session.token && (DESK_ROLES as readonly string[]).includes(api.session.user?.role ?? '')) start();
else showSignIn();

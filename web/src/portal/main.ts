/**
 * /portal — the customer portal (#18), for customer users: requests and their progress, quotes,
 * invoices, contracts, equipment, notification preferences and (for customer admins) users.
 * Hash routes (#/tickets/<id>, #/invoices/<id>, …) so a link or a reload opens the same page; the
 * pages before sign-in (#/forgot, #/reset?token=, #/accept?token=) need no session.
 */
import '../shared/wa';
import '../shared/base.css';
import './portal.css';
import { ApiError, createApi } from '../shared/api';
import { $, h, logo, mount } from '../shared/dom';
import { LANGUAGES, isLanguage, preferredLanguage, storeLanguage, type Language } from '../shared/i18n';
import { renderForgot, renderSetPassword, renderSignIn, type AuthPageOptions } from './auth-pages';
import { contractsPage, invoicePage, invoicesPage } from './billing';
import { contactsPage } from './contacts';
import { parseRoute, type PortalContext, type Profile } from './context';
import { equipmentPage } from './equipment';
import { translator, type MessageKey, type T } from './messages';
import { quotesPage } from './quotes';
import { requestPage } from './request';
import { ticketPage, ticketsPage } from './tickets';
import { usersPage } from './users';
import { emptyState, errorMessage, loading } from './widgets';

const api = createApi('portal');
const root = $('#root');
let language: Language = preferredLanguage('portal');
let t: T = translator(language);
let profile: Profile | null = null;
const leaving: (() => void)[] = [];
let renderId = 0;

const NAV: readonly { page: string; label: MessageKey; admin?: boolean }[] = [
  { page: 'tickets', label: 'nav.tickets' },
  { page: 'quotes', label: 'nav.quotes' },
  { page: 'invoices', label: 'nav.invoices' },
  { page: 'contracts', label: 'nav.contracts' },
  { page: 'equipment', label: 'nav.equipment' },
  { page: 'notifications', label: 'nav.notifications' },
  { page: 'users', label: 'nav.users', admin: true },
];

function languageSwitch(): HTMLElement {
  const select = h(
    'select.lang',
    { id: 'language', 'aria-label': t.t('app.language') },
    LANGUAGES.map((code) => h('option', { value: code, selected: code === language }, code === 'de' ? 'Deutsch' : 'English')),
  );
  select.addEventListener('change', () => {
    if (!isLanguage(select.value)) return;
    language = select.value;
    storeLanguage('portal', language);
    t = translator(language);
    void render();
  });
  return select;
}

function go(route: string): void {
  location.hash = `#/${route}`;
}

function authOptions(): AuthPageOptions {
  return {
    api,
    t,
    languageSwitch: languageSwitch(),
    go,
    onSignedIn: () => {
      profile = null;
      if (parseRoute(location.hash).page === '') void render();
      else go('tickets');
    },
  };
}

async function loadProfile(): Promise<Profile | null> {
  if (profile) return profile;
  try {
    profile = await api.ok(api.client.GET('/api/v1/portal/profile'));
    return profile;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      api.session.clear();
      return null;
    }
    throw error;
  }
}

function shell(me: Profile, page: string, content: HTMLElement): HTMLElement {
  const signOut = h('button.btn.btn-ghost', { type: 'button' }, t.t('app.signOut'));
  signOut.addEventListener('click', async () => {
    await api.logout();
    profile = null;
    go('');
    void render();
  });
  return h(
    'div.shell',
    h('a.skip-link', { href: '#main' }, '↓'),
    h(
      'header.topbar',
      h('a.brand', { href: '#/tickets' }, logo(), h('span.brand-text', h('span.brand-name', 'Telemend'), h('span.brand-sub', me.customerName))),
      h('div.topbar-right', languageSwitch(), h('span.user-name', me.name), signOut),
    ),
    h(
      'nav.tabs',
      { 'aria-label': t.t('app.menu') },
      NAV.filter((n) => !n.admin || me.customerAdmin).map((n) =>
        h('a.tab', { href: `#/${n.page}`, 'aria-current': n.page === page || (page === 'new' && n.page === 'tickets') ? 'page' : undefined }, t.t(n.label)),
      ),
    ),
    h('main.content', { id: 'main', tabindex: -1 }, content),
    h('footer.foot.muted.small', t.t('app.foot')),
  );
}

async function pageOf(ctx: PortalContext, page: string, id: string | undefined, query: URLSearchParams): Promise<HTMLElement> {
  switch (page) {
    case '':
    case 'tickets':
      return id ? ticketPage(ctx, id) : ticketsPage(ctx, query);
    case 'new':
      return requestPage(ctx, query);
    case 'quotes':
      return quotesPage(ctx);
    case 'invoices':
      return id ? invoicePage(ctx, id) : invoicesPage(ctx);
    case 'contracts':
      return contractsPage(ctx);
    case 'equipment':
      return equipmentPage(ctx);
    case 'notifications':
      return contactsPage(ctx);
    case 'users':
      return usersPage(ctx);
    default:
      return h('div.page', emptyState(t.t('notFound.title'), undefined, '?'));
  }
}

async function render(): Promise<void> {
  const current = ++renderId;
  for (const fn of leaving.splice(0)) fn();
  document.documentElement.lang = language;
  const { page, id, query } = parseRoute(location.hash);
  if (page === 'forgot') return renderForgot(root, authOptions());
  if (page === 'reset' || page === 'accept') return renderSetPassword(root, authOptions(), page, query.get('token'));
  root.hidden = false;
  if (!api.session.token) return renderSignIn(root, authOptions());
  let me: Profile | null;
  try {
    me = await loadProfile();
  } catch (error) {
    return renderSignIn(root, authOptions(), errorMessage(t, error));
  }
  if (current !== renderId) return;
  if (!me) return renderSignIn(root, authOptions(), t.t('signin.refused'));
  const holder = h('div.page', loading(t));
  mount(root, shell(me, page, holder));
  const ctx: PortalContext = { api, t, profile: me, go, refresh: () => void render(), onLeave: (fn) => leaving.push(fn) };
  try {
    const content = await pageOf(ctx, page, id, query);
    if (current !== renderId) return;
    holder.replaceWith(content);
  } catch (error) {
    if (current !== renderId) return;
    holder.replaceWith(
      h(
        'div.page',
        h(
          'div.error-state',
          { role: 'alert' },
          h('p', errorMessage(t, error)),
          h('button.btn', { type: 'button', onclick: () => void render() }, t.t('app.retry')),
        ),
      ),
    );
  }
}

api.onSignedOut(() => {
  profile = null;
  renderSignIn(root, authOptions(), t.t('app.sessionEnded'));
});
window.addEventListener('hashchange', () => void render());
void render();

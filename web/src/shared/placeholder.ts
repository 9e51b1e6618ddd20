/**
 * An interface that is not built yet: its real sign-in (role-checked like the console's), then a
 * page that says who is signed in and what this interface will hold. The technician app (#17),
 * the desk and the portal (#18) replace it with their views; the entry point, the session and
 * the typed client are already theirs.
 */
import type { Role } from './api';
import { createApi } from './api';
import { $, h, logo, mount } from './dom';
import { article, renderSignIn } from './signin';
import { titleCase } from './ui';

export interface PlaceholderOptions {
  /** Session key and URL path: 'app', 'desk', 'portal'. */
  ui: string;
  /** "Technician app", "Front desk", "Customer portal". */
  area: string;
  intro: string;
  roles: readonly Role[];
  /** What the interface will offer, one line each. */
  coming: readonly string[];
}

export function startPlaceholder(options: PlaceholderOptions): void {
  const api = createApi(options.ui);
  const root = $('#root');

  function signIn(message?: string): void {
    renderSignIn(root, {
      api,
      area: options.area,
      intro: options.intro,
      roles: options.roles,
      refusal: (role) => `${article(role)} ${role} account cannot use the ${options.area.toLowerCase()}: sign in as ${options.roles.join(' or ')}.`,
      foot: 'Telemend — field service, live from your equipment.',
      message,
      onSignedIn: () => home(),
    });
  }

  function home(): void {
    const user = api.session.user;
    const signOut = h('wa-button', { variant: 'neutral', appearance: 'outlined', size: 'small' }, 'Sign out');
    signOut.addEventListener('click', async () => {
      await api.logout();
      signIn();
    });
    mount(
      root,
      h(
        'section.signin-card.coming',
        { 'aria-labelledby': 'coming-title' },
        h('div.signin-brand', logo(), h('div', h('div.brand-name', 'Telemend'), h('div.muted.small', options.area))),
        h('h1', { id: 'coming-title' }, `Welcome, ${user?.name ?? 'signed in'}`),
        h('p.muted', `Signed in as ${titleCase(user?.role ?? '')}. The ${options.area.toLowerCase()} is being built; it will hold:`),
        h(
          'ul.coming-list',
          options.coming.map((line) => h('li', line)),
        ),
        signOut,
      ),
    );
  }

  api.onSignedOut(() => signIn('Your session has ended. Please sign in again.'));
  if (api.session.token && options.roles.includes(api.session.user?.role as Role)) home();
  else signIn();
}

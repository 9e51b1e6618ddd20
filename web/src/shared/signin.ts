/**
 * The sign-in form every interface starts with: POST /auth/login, then a role check (each
 * interface admits its own roles; another role's token is forgotten at once, with a message).
 */
import type { Api, Role, SessionUser } from './api';
import { ApiError } from './api';
import { h, logo, mount } from './dom';

export interface SignInOptions {
  api: Api;
  /** Under the product name, e.g. "Dispatch console". */
  area: string;
  /** The line under the heading, e.g. "Use your dispatcher account." */
  intro: string;
  roles: readonly Role[];
  /** The refusal shown to a user whose role this interface does not admit. */
  refusal(role: Role): string;
  foot: string;
  message?: string | undefined;
  onSignedIn(user: SessionUser): void;
}

export function renderSignIn(box: HTMLElement, options: SignInOptions): void {
  const { api } = options;
  const error = h('wa-callout.form-error', { variant: 'danger', size: 's', role: 'alert', hidden: !options.message }, options.message ?? '');
  const email = h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true, placeholder: 'you@company.com' });
  const password = h('input', {
    id: 'password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    placeholder: '••••••••',
  });
  const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, 'Sign in');
  const form = h(
    'form.signin-card',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        submit.disabled = true;
        submit.textContent = 'Signing in…';
        error.hidden = true;
        try {
          const user = await api.login(email.value, password.value);
          if (!options.roles.includes(user.role)) {
            api.session.clear();
            throw new Error(options.refusal(user.role));
          }
          options.onSignedIn(user);
        } catch (e) {
          const problem = e instanceof ApiError ? e.problem : null;
          error.textContent =
            problem?.status === 401 ? 'Wrong e-mail or password.' : problem ? `${problem.title}: ${problem.detail ?? ''}` : (e as Error).message;
          error.hidden = false;
          submit.disabled = false;
          submit.textContent = 'Sign in';
        }
      },
    },
    h('div.signin-brand', logo(), h('div', h('div.brand-name', 'Telemend'), h('div.muted.small', options.area))),
    h('h1', 'Sign in'),
    h('p.muted', options.intro),
    h('label', { for: 'email' }, 'E-mail'),
    email,
    h('label', { for: 'password' }, 'Password'),
    password,
    error,
    submit,
  );
  mount(box, form, h('div.signin-foot.muted.small', options.foot));
  box.hidden = false;
  email.focus();
}

/** "A technician account …": the article for a role name. */
export const article = (role: string): string => (/^[aeiou]/i.test(role) ? 'An' : 'A');

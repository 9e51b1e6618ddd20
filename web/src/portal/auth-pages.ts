/**
 * The pages before signing in: sign-in (customer users only), "forgot password", and the pages the
 * e-mailed links open: #/reset?token=… (password reset) and #/accept?token=… (invitation).
 */
import { ApiError, type Api, type SessionUser } from '../shared/api';
import { h, logo, mount, type Child } from '../shared/dom';
import type { T } from './messages';
import { errorMessage, field } from './widgets';

export interface AuthPageOptions {
  readonly api: Api;
  readonly t: T;
  /** The language switch, shown on every page. */
  readonly languageSwitch: HTMLElement;
  go(route: string): void;
  onSignedIn(user: SessionUser): void;
}

function frame(box: HTMLElement, options: AuthPageOptions, ...content: Child[]): void {
  const { t } = options;
  mount(
    box,
    h(
      'div.auth-wrap',
      h(
        'section.auth-card',
        h(
          'div.auth-top',
          h('div.signin-brand', logo(), h('div', h('div.brand-name', 'Telemend'), h('div.muted.small', t.t('app.area')))),
          options.languageSwitch,
        ),
        content,
      ),
      h('p.auth-foot.muted.small', t.t('app.foot')),
    ),
  );
  box.hidden = false;
}

const alertBox = (variant: 'danger' | 'success', text = ''): HTMLElement =>
  h('wa-callout.form-msg', { variant, size: 's', role: variant === 'danger' ? 'alert' : 'status', hidden: !text }, text);

export function renderSignIn(box: HTMLElement, options: AuthPageOptions, message?: string): void {
  const { api, t } = options;
  const error = alertBox('danger', message);
  const email = h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, t.t('signin.submit'));
  const form = h(
    'form.auth-form',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        submit.disabled = true;
        submit.textContent = t.t('signin.busy');
        error.hidden = true;
        try {
          const user = await api.login(email.value, password.value);
          if (user.role !== 'customer') {
            api.session.clear();
            throw new Error(t.t('signin.refused'));
          }
          options.onSignedIn(user);
        } catch (e) {
          error.textContent = e instanceof ApiError && e.status === 401 ? t.t('signin.wrong') : errorMessage(t, e);
          error.hidden = false;
          submit.disabled = false;
          submit.textContent = t.t('signin.submit');
        }
      },
    },
    h('h1', t.t('signin.title')),
    h('p.muted', t.t('signin.intro')),
    field('email', t.t('signin.email'), email),
    field('password', t.t('signin.password'), password),
    error,
    submit,
    h('p.auth-link', h('a', { href: '#/forgot' }, t.t('signin.forgot'))),
  );
  frame(box, options, form);
  email.focus();
}

export function renderForgot(box: HTMLElement, options: AuthPageOptions): void {
  const { api, t } = options;
  const error = alertBox('danger');
  const done = alertBox('success');
  const email = h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true });
  const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, t.t('forgot.submit'));
  const form = h(
    'form.auth-form',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        submit.disabled = true;
        error.hidden = true;
        try {
          await api.ok(api.client.POST('/api/v1/auth/password-reset/request', { body: { email: email.value, language: t.language } }));
          done.textContent = t.t('forgot.sent');
          done.hidden = false;
        } catch (e) {
          error.textContent = errorMessage(t, e);
          error.hidden = false;
          submit.disabled = false;
        }
      },
    },
    h('h1', t.t('forgot.title')),
    h('p.muted', t.t('forgot.intro')),
    field('email', t.t('signin.email'), email),
    error,
    done,
    submit,
    h('p.auth-link', h('a', { href: '#/' }, t.t('forgot.backToSignIn'))),
  );
  frame(box, options, form);
  email.focus();
}

/** #/reset?token=… and #/accept?token=…: choose a password with the e-mailed token. */
export function renderSetPassword(box: HTMLElement, options: AuthPageOptions, purpose: 'reset' | 'accept', token: string | null): void {
  const { api, t } = options;
  const error = alertBox('danger', token ? '' : t.t('reset.missing'));
  const done = alertBox('success');
  const first = h('input', { id: 'new-password', type: 'password', autocomplete: 'new-password', required: true, minlength: 10 });
  const second = h('input', { id: 'repeat-password', type: 'password', autocomplete: 'new-password', required: true, minlength: 10 });
  const submit = h('button.btn.btn-primary.btn-block', { type: 'submit', disabled: !token }, t.t('reset.submit'));
  const form = h(
    'form.auth-form',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        error.hidden = true;
        if (first.value !== second.value) {
          error.textContent = t.t('reset.mismatch');
          error.hidden = false;
          return;
        }
        submit.disabled = true;
        try {
          const body = { token: token ?? '', password: first.value };
          if (purpose === 'reset') await api.ok(api.client.POST('/api/v1/auth/password-reset', { body }));
          else await api.ok(api.client.POST('/api/v1/auth/invitations/accept', { body }));
          done.textContent = t.t('reset.done');
          done.hidden = false;
          form.querySelectorAll('input').forEach((input) => (input.disabled = true));
          submit.replaceWith(h('a.btn.btn-primary.btn-block', { href: '#/' }, t.t('signin.submit')));
        } catch (e) {
          error.textContent = errorMessage(t, e);
          error.hidden = false;
          submit.disabled = false;
        }
      },
    },
    h('h1', t.t(purpose === 'reset' ? 'reset.title' : 'accept.title')),
    h('p.muted', t.t(purpose === 'reset' ? 'reset.intro' : 'accept.intro')),
    purpose === 'accept' ? h('p.muted.small', t.t('reset.intro')) : null,
    field('new-password', t.t('reset.newPassword'), first),
    field('repeat-password', t.t('reset.repeat'), second),
    error,
    done,
    submit,
    h('p.auth-link', h('a', { href: '#/' }, t.t('forgot.backToSignIn'))),
  );
  frame(box, options, form);
  first.focus();
}

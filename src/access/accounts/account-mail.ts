/**
 * The invitation and password-reset e-mails, in English and German. The link opens the web
 * interface of the user's role, whose page redeems the token.
 */
import type { Role } from '../../kernel/caller.js';
import type { TokenPurpose } from './account-tokens.repository.js';

export type MailLanguage = 'en' | 'de';

/** The web interface a role signs in to. */
const INTERFACE: Record<Role, string> = { customer: 'portal', technician: 'app', agent: 'desk', dispatcher: 'desk', admin: 'desk' };

export function accountLink(publicUrl: string, role: Role, purpose: TokenPurpose, token: string): string {
  const page = purpose === 'invitation' ? 'accept' : 'reset';
  return `${publicUrl.replace(/\/+$/, '')}/${INTERFACE[role]}/#/${page}?token=${encodeURIComponent(token)}`;
}

interface Mail {
  subject: string;
  text: string;
  html: string;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function accountMail(purpose: TokenPurpose, language: MailLanguage, values: { name: string; link: string; validFor: string; customer?: string }): Mail {
  const de = language === 'de';
  const greeting = de ? `Guten Tag ${values.name},` : `Hello ${values.name},`;
  const lines =
    purpose === 'invitation'
      ? de
        ? [
            `Sie wurden zum Kundenportal${values.customer ? ` von ${values.customer}` : ''} eingeladen.`,
            `Legen Sie hier Ihr Passwort fest (${values.validFor} gültig):`,
          ]
        : [
            `You have been invited to the customer portal${values.customer ? ` of ${values.customer}` : ''}.`,
            `Set your password here (valid for ${values.validFor}):`,
          ]
      : de
        ? ['Jemand hat ein neues Passwort für Ihr Konto angefordert.', `Legen Sie hier ein neues Passwort fest (${values.validFor} gültig, einmal verwendbar):`]
        : ['Someone asked for a new password for your account.', `Set a new password here (valid for ${values.validFor}, usable once):`];
  const closing = purpose === 'invitation' ? [] : [de ? 'Wenn Sie das nicht waren, ignorieren Sie diese E-Mail.' : 'If this was not you, ignore this e-mail.'];
  const subject =
    purpose === 'invitation'
      ? de
        ? 'Einladung zum Kundenportal'
        : 'Your invitation to the customer portal'
      : de
        ? 'Passwort zurücksetzen'
        : 'Reset your password';
  const text = [greeting, '', ...lines, values.link, '', ...closing].join('\n').trimEnd();
  const html = [
    `<p>${escape(greeting)}</p>`,
    `<p>${lines.map(escape).join('<br>')}</p>`,
    `<p><a href="${escape(values.link)}">${escape(values.link)}</a></p>`,
    ...closing.map((c) => `<p>${escape(c)}</p>`),
  ].join('\n');
  return { subject, text, html };
}

export function validity(minutes: number, language: MailLanguage): string {
  if (minutes % 60 === 0) {
    const hours = minutes / 60;
    return language === 'de' ? `${hours} Stunde${hours === 1 ? '' : 'n'}` : `${hours} hour${hours === 1 ? '' : 's'}`;
  }
  return language === 'de' ? `${minutes} Minuten` : `${minutes} minutes`;
}

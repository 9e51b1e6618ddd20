/**
 * What a new password must not be, beyond its length (checked by the zod contract): one of the
 * ~49 000 most common passwords (the frequency list shipped by @zxcvbn-ts/language-common, MIT,
 * compared case-insensitively), or one that contains the account's e-mail address or the local
 * part of it (4 characters or more, case-insensitive). Refusals are WEAK_PASSWORD (400) with a
 * stable `reason`, so a client can say exactly what to change.
 */
import { dictionary } from '@zxcvbn-ts/language-common';
import { AppError } from '../../kernel/errors.js';

export type WeakPasswordReason = 'common' | 'contains_email';

let common: ReadonlySet<string> | undefined;

/** Built on first use: the list is only needed when a password is set. */
function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return common;
}

/** Why `password` is refused for the account `email`; undefined when it is acceptable. */
export function weakPasswordReason(password: string, email: string): WeakPasswordReason | undefined {
  const lower = password.normalize('NFC').toLowerCase();
  if (commonPasswords().has(lower)) return 'common';
  const address = email.trim().toLowerCase();
  const local = address.split('@')[0] ?? '';
  // A local part of 1–3 characters (e.g. "jo@") would refuse too many unrelated passwords.
  if (lower.includes(address) || (local.length >= 4 && lower.includes(local))) return 'contains_email';
  return undefined;
}

const MESSAGES: Record<WeakPasswordReason, string> = {
  common: 'The password is one of the most commonly used passwords; choose another',
  contains_email: 'The password must not contain the e-mail address or its part before @',
};

/** Throws WEAK_PASSWORD (400) naming `field` when the password is refused. */
export function assertPasswordPolicy(password: string, email: string, field = 'body.password'): void {
  const reason = weakPasswordReason(password, email);
  if (reason) throw new AppError('WEAK_PASSWORD', MESSAGES[reason], { field, reason });
}

/**
 * Customer admins manage their own customer's users; every user can reset a forgotten password.
 * - An invitation creates the user without a password and e-mails a single-use link (valid
 *   PORTAL_INVITE_TTL_HOURS); accepting it sets the password.
 * - A reset request e-mails a single-use link (valid PASSWORD_RESET_TTL_MINUTES) to an active
 *   account and says nothing either way; redeeming it sets the password and revokes every
 *   session of the user (token version), and every other pending link of the user.
 * E-mails go through the notification outbox in the same transaction as the token.
 * Another customer's user is NOT_FOUND, as everywhere a customer reads.
 */
import type { Clock } from '../../kernel/clock.js';
import type { Caller } from '../../kernel/caller.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { isUniqueViolation } from '../../kernel/db/database-errors.js';
import { AppError, conflict, notFound } from '../../kernel/errors.js';
import { recordAudit } from '../audit/audit.service.js';
import { hashPassword } from '../auth/password.js';
import { assertPasswordPolicy } from '../auth/password-policy.js';
import { EMAIL_CONSTRAINT, UsersRepository, type UserRow } from '../users/users.repository.js';
import { NotificationsRepository } from '../../service/notifications/notifications.repository.js';
import { accountLink, accountMail, validity, type MailLanguage } from './account-mail.js';
import { AccountTokensRepository, hashToken, newToken, type TokenPurpose } from './account-tokens.repository.js';
import type { InviteUser, PortalProfile, PortalUser, RedeemToken, ResetRequest, UpdatePortalUser } from './accounts.schemas.js';

export interface AccountsOptions {
  readonly clock: Clock;
  /** PUBLIC_URL: where the e-mailed links point. */
  readonly publicUrl: string;
  readonly inviteTtlHours: number;
  readonly resetTtlMinutes: number;
}

type AccountRow = UserRow & { customer_admin: boolean };

export class AccountsService {
  private readonly users = new UsersRepository();
  private readonly tokens = new AccountTokensRepository();
  private readonly outbox = new NotificationsRepository();

  constructor(
    private readonly db: Database,
    private readonly options: AccountsOptions,
  ) {}

  /** The signed-in customer user, with its customer's name. */
  async profile(caller: Caller): Promise<PortalProfile> {
    const me = await this.me(this.db, caller);
    const { rows } = await this.db.query<{ name: string }>('SELECT name FROM customers WHERE id = $1', [me.customer_id]);
    return { ...toPortalUser(me), customerId: me.customer_id!, customerName: rows[0]?.name ?? '' };
  }

  /** Every user of the caller's customer may see who has access; only customer admins change it. */
  async list(caller: Caller): Promise<PortalUser[]> {
    const me = await this.me(this.db, caller);
    const { rows } = await this.db.query<AccountRow>(`SELECT u.* FROM users u WHERE u.customer_id = $1 AND u.role = 'customer' ORDER BY lower(u.name), u.id`, [
      me.customer_id,
    ]);
    return rows.map(toPortalUser);
  }

  async invite(input: InviteUser, caller: Caller): Promise<PortalUser> {
    const at = this.options.clock.now();
    try {
      return await this.db.transaction(async (tx) => {
        const me = await this.admin(tx, caller);
        const created = await this.users.insert(tx, { email: input.email, name: input.name, role: 'customer', customer_id: me.customer_id });
        await tx.query('UPDATE users SET customer_admin = $2 WHERE id = $1', [created.id, input.customerAdmin]);
        await recordAudit(tx, caller.actor, {
          entity: 'user',
          entityId: created.id,
          action: 'invite',
          changes: { email: input.email, name: input.name, role: 'customer', customerId: me.customer_id, customerAdmin: input.customerAdmin },
        });
        const customer = await tx.query<{ name: string }>('SELECT name FROM customers WHERE id = $1', [me.customer_id]);
        await this.mail(tx, created, 'invitation', input.language ?? 'en', at, customer.rows[0]?.name);
        return toPortalUser({ ...created, customer_admin: input.customerAdmin });
      });
    } catch (error) {
      if (isUniqueViolation(error, EMAIL_CONSTRAINT)) throw conflict(`A user with e-mail ${input.email} already exists`, { field: 'email' });
      throw error;
    }
  }

  async update(id: string, patch: UpdatePortalUser, caller: Caller): Promise<PortalUser> {
    return this.db.transaction(async (tx) => {
      // Another customer's (or no) user is not found, whoever asks; then only an admin may change one.
      const me = await this.me(tx, caller);
      const current = await this.account(tx, id);
      if (!current || current.customer_id !== me.customer_id || current.role !== 'customer') throw notFound('user', id);
      this.assertAdmin(me);
      if (id === me.id && (patch.active === false || patch.customerAdmin === false)) {
        throw new AppError('CONFLICT', 'You cannot deactivate yourself or drop your own admin rights; ask another customer admin');
      }
      const deactivating = patch.active === false && current.active;
      if (patch.active !== undefined || patch.name !== undefined) {
        await this.users.update(tx, id, { active: patch.active, name: patch.name }, { revokeTokens: deactivating });
      }
      if (patch.customerAdmin !== undefined) await tx.query('UPDATE users SET customer_admin = $2 WHERE id = $1', [id, patch.customerAdmin]);
      if (deactivating) await this.tokens.revokeAll(tx, id, this.options.clock.now());
      const updated = (await this.account(tx, id))!;
      const changes: Record<string, unknown> = {};
      for (const [key, before, after] of [
        ['active', current.active, updated.active],
        ['name', current.name, updated.name],
        ['customerAdmin', current.customer_admin, updated.customer_admin],
      ] as const) {
        if (before !== after) changes[key] = { from: before, to: after };
      }
      await recordAudit(tx, caller.actor, { entity: 'user', entityId: id, action: 'update', changes });
      return toPortalUser(updated);
    });
  }

  /** Staff (admin) make a customer user a customer admin, or not: the first admin of each customer comes from here. */
  async setCustomerAdmin(id: string, customerAdmin: boolean, caller: Caller): Promise<PortalUser> {
    return this.db.transaction(async (tx) => {
      const current = await this.account(tx, id);
      if (!current) throw notFound('user', id);
      if (current.role !== 'customer') throw new AppError('VALIDATION_FAILED', 'Only a customer user can be a customer admin', { field: 'params.id' });
      await tx.query('UPDATE users SET customer_admin = $2 WHERE id = $1', [id, customerAdmin]);
      if (current.customer_admin !== customerAdmin) {
        await recordAudit(tx, caller.actor, {
          entity: 'user',
          entityId: id,
          action: 'update',
          changes: { customerAdmin: { from: current.customer_admin, to: customerAdmin } },
        });
      }
      return toPortalUser({ ...current, customer_admin: customerAdmin });
    });
  }

  /** Always succeeds: whether the e-mail belongs to an account is never told. */
  async requestReset(input: ResetRequest): Promise<void> {
    const at = this.options.clock.now();
    await this.db.transaction(async (tx) => {
      const user = await this.users.findByEmail(tx, input.email);
      if (!user?.active) return;
      await this.mail(tx, user, 'password_reset', input.language ?? 'en', at);
    });
  }

  async acceptInvitation(input: RedeemToken): Promise<void> {
    await this.redeem(input, 'invitation');
  }

  async resetPassword(input: RedeemToken): Promise<void> {
    await this.redeem(input, 'password_reset');
  }

  private async redeem(input: RedeemToken, purpose: TokenPurpose): Promise<void> {
    const at = this.options.clock.now();
    // The token is checked and spent before the (slow) hash, in a transaction that rolls the
    // spending back when the password is refused, so a weak password does not burn the link.
    await this.db.transaction(async (tx) => {
      const userId = await this.tokens.redeem(tx, hashToken(input.token), purpose, at);
      const user = userId ? await this.users.find(tx, userId, { lock: true }) : undefined;
      if (!user?.active) throw new AppError('VALIDATION_FAILED', 'This link is invalid, expired or already used; ask for a new one', { field: 'body.token' });
      assertPasswordPolicy(input.password, user.email);
      await this.users.update(tx, user.id, { password_hash: await hashPassword(input.password) }, { revokeTokens: true });
      await this.tokens.revokeAll(tx, user.id, at);
      const actor = { type: 'user' as const, id: user.id };
      await recordAudit(tx, actor, {
        entity: 'user',
        entityId: user.id,
        action: purpose === 'invitation' ? 'accept_invitation' : 'reset_password',
        changes: { password: 'changed' },
      });
    });
  }

  private async mail(tx: Queryable, user: UserRow, purpose: TokenPurpose, language: MailLanguage, at: Date, customer?: string): Promise<void> {
    const minutes = purpose === 'invitation' ? this.options.inviteTtlHours * 60 : this.options.resetTtlMinutes;
    const { token, hash } = newToken();
    const tokenId = await this.tokens.issue(tx, { userId: user.id, purpose, hash, expiresAt: new Date(at.getTime() + minutes * 60_000), at });
    const link = accountLink(this.options.publicUrl, user.role, purpose, token);
    const message = accountMail(purpose, language, { name: user.name, link, validFor: validity(minutes, language), ...(customer ? { customer } : {}) });
    await this.outbox.insert(tx, {
      dedupeKey: `account.${purpose}:${tokenId}`,
      event: `account.${purpose}`,
      ticketId: null,
      visitId: null,
      recipient: `user:${user.id}`,
      contactId: null,
      technicianId: null,
      channel: 'email',
      address: user.email,
      language,
      subject: message.subject,
      body: message.text,
      html: message.html,
      data: { userId: user.id },
      at,
    });
  }

  /** The signed-in customer user; staff and API keys have no portal account. */
  private async me(q: Queryable, caller: Caller): Promise<AccountRow> {
    const row = caller.userId && caller.customerId ? await this.account(q, caller.userId) : undefined;
    if (!row || row.customer_id !== caller.customerId || !row.active) throw new AppError('FORBIDDEN', 'Only a signed-in customer user has a portal account');
    return row;
  }

  private async admin(q: Queryable, caller: Caller): Promise<AccountRow> {
    const me = await this.me(q, caller);
    this.assertAdmin(me);
    return me;
  }

  private assertAdmin(me: AccountRow): void {
    if (!me.customer_admin) throw new AppError('FORBIDDEN', "Only a customer admin manages the customer's users");
  }

  private async account(q: Queryable, id: string): Promise<AccountRow | undefined> {
    const { rows } = await q.query<AccountRow>('SELECT u.* FROM users u WHERE u.id = $1', [id]);
    return rows[0];
  }
}

function toPortalUser(row: AccountRow): PortalUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    active: row.active,
    customerAdmin: row.customer_admin,
    hasPassword: row.password_hash !== null,
    createdAt: row.created_at.toISOString(),
  };
}

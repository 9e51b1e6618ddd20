/**
 * User accounts: unique e-mail, customer users belong to an existing customer and staff to none,
 * passwords hashed with scrypt after the password policy (password-policy.ts), optimistic
 * concurrency, every change audited (without the hash). Users are deactivated, never deleted:
 * the audit log and tickets keep pointing at them. A new password, role or customer and a
 * deactivation bump the token version: the user's earlier login tokens stop working at once.
 */
import type { Database, Queryable } from '../../kernel/db/database.js';
import { conflict, notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { invalidField } from '../../kernel/errors.js';
import { isUniqueViolation } from '../../kernel/db/database-errors.js';
import type { Page } from '../../kernel/db/keyset.js';
import type { Role } from '../../kernel/caller.js';
import { diff, recordAudit, type Actor } from '../audit/audit.service.js';
import { CustomersRepository } from '../../service/customers/customers.repository.js';
import { hashPassword } from '../auth/password.js';
import { assertPasswordPolicy } from '../auth/password-policy.js';
import { EMAIL_CONSTRAINT, UsersRepository, type UserRow, type UserValues } from './users.repository.js';
import type { CreateUser, ListUsers, UpdateUser, User } from './users.schemas.js';

export class UsersService {
  private readonly repo = new UsersRepository();
  private readonly customers = new CustomersRepository();

  constructor(private readonly db: Database) {}

  async create(input: CreateUser, actor: Actor): Promise<User> {
    if (input.password !== undefined) assertPasswordPolicy(input.password, input.email);
    const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
    try {
      const row = await this.db.transaction(async (tx) => {
        await this.checkCustomer(tx, input.role, input.customerId ?? null, 'body.customerId');
        const created = await this.repo.insert(tx, {
          email: input.email,
          name: input.name,
          role: input.role,
          customer_id: input.customerId ?? null,
          password_hash: passwordHash ?? null,
          phone: input.phone ?? null,
          skills: input.skills ?? [],
          territories: input.territories ?? [],
        });
        const user = toUser(created);
        await recordAudit(tx, actor, { entity: 'user', entityId: user.id, action: 'create', changes: auditable(user) });
        return created;
      });
      return toUser(row);
    } catch (error) {
      throw emailConflict(error, input.email);
    }
  }

  async get(id: string): Promise<User> {
    const row = await this.repo.find(this.db, id);
    if (!row) throw notFound('user', id);
    return toUser(row);
  }

  async list(query: ListUsers): Promise<Page<User>> {
    const page = await this.repo.list(this.db, query);
    return { items: page.items.map(toUser), nextCursor: page.nextCursor };
  }

  /** `ifMatch` from parseIfMatch(); a stale version fails with PRECONDITION_FAILED. */
  async update(id: string, patch: UpdateUser, options: { actor: Actor; ifMatch?: '*' | number[] | undefined }): Promise<User> {
    // Checked before the (slow) hash, against the new e-mail when it changes too.
    if (patch.password !== undefined) assertPasswordPolicy(patch.password, patch.email ?? (await this.get(id)).email);
    const passwordHash = patch.password === undefined ? undefined : await hashPassword(patch.password);
    try {
      const row = await this.db.transaction(async (tx) => {
        const current = await this.repo.find(tx, id, { lock: true });
        if (!current) throw notFound('user', id);
        checkVersion(options.ifMatch, current.version, `user ${id}`);
        const role = patch.role ?? current.role;
        // Moving a customer user to a staff role drops the customer link unless one is given.
        const customerId = patch.customerId !== undefined ? patch.customerId : role === 'customer' ? current.customer_id : null;
        await this.checkCustomer(tx, role, customerId, patch.customerId !== undefined ? 'body.customerId' : 'body.role');
        if (Object.values(patch).every((v) => v === undefined)) return current;
        const values: UserValues = {
          email: patch.email,
          name: patch.name,
          role: patch.role,
          customer_id: customerId,
          password_hash: passwordHash,
          active: patch.active,
          phone: patch.phone,
          skills: patch.skills,
          territories: patch.territories,
        };
        // Whoever held this account's tokens must sign in again under the new password, role or scope.
        const revokeTokens =
          passwordHash !== undefined || role !== current.role || customerId !== current.customer_id || (patch.active === false && current.active);
        const updated = await this.repo.update(tx, id, values, { revokeTokens });
        const changes: Record<string, unknown> = diff(auditable(toUser(current)), auditable(toUser(updated)));
        if (passwordHash !== undefined) changes.password = 'changed';
        await recordAudit(tx, options.actor, { entity: 'user', entityId: id, action: 'update', changes });
        return updated;
      });
      return toUser(row);
    } catch (error) {
      throw emailConflict(error, patch.email);
    }
  }

  /** Deactivates the user (idempotent): they can no longer sign in and their tokens stop working. */
  async deactivate(id: string, actor: Actor): Promise<void> {
    await this.db.transaction(async (tx) => {
      const current = await this.repo.find(tx, id, { lock: true });
      if (!current) throw notFound('user', id);
      if (!current.active) return;
      await this.repo.update(tx, id, { active: false }, { revokeTokens: true });
      await recordAudit(tx, actor, { entity: 'user', entityId: id, action: 'deactivate', changes: { active: { from: true, to: false } } });
    });
  }

  /** Logout: revokes every login token of the user (all their sessions), audited. */
  async revokeTokens(id: string, actor: Actor): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.repo.revokeTokens(tx, id);
      await recordAudit(tx, actor, { entity: 'user', entityId: id, action: 'logout', changes: {} });
    });
  }

  private async checkCustomer(tx: Queryable, role: Role, customerId: string | null, field: string): Promise<void> {
    if (role === 'customer' && customerId === null) throw invalidField(field, 'a customer user needs a customerId');
    if (role !== 'customer' && customerId !== null) throw invalidField(field, `a ${role} user cannot belong to a customer`);
    if (customerId !== null && !(await this.customers.exists(tx, customerId))) throw invalidField(field, `no customer ${customerId}`);
  }
}

function emailConflict(error: unknown, email: string | undefined): unknown {
  if (isUniqueViolation(error, EMAIL_CONSTRAINT)) return conflict(`A user with e-mail ${email} already exists`, { field: 'email' });
  return error;
}

/** What the audit log records of a user: everything but bookkeeping. */
function auditable(user: User): Record<string, unknown> {
  const { id: _id, version: _v, createdAt: _c, updatedAt: _u, ...rest } = user;
  return rest;
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    customerId: row.customer_id,
    active: row.active,
    hasPassword: row.password_hash !== null,
    phone: row.phone,
    skills: row.skills,
    territories: row.territories,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

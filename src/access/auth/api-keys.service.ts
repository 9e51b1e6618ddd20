/**
 * API keys for integrations. A key is `tmk_<prefix>_<secret>`: the prefix (public, unique)
 * finds the row, the SHA-256 of the whole key is compared in constant time (a fast hash is right
 * for 32 random bytes). The key is returned once; revoked keys stop working at once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../../kernel/db/database.js';
import { notFound } from '../../kernel/errors.js';
import { invalidField } from '../../kernel/errors.js';
import { isUniqueViolation } from '../../kernel/db/database-errors.js';
import type { Page } from '../../kernel/db/keyset.js';
import type { Principal } from '../../kernel/caller.js';
import { recordAudit, type Actor } from '../audit/audit.service.js';
import { CustomersRepository } from '../../service/customers/customers.repository.js';
import { ApiKeysRepository, type ApiKeyRow } from './api-keys.repository.js';
import { API_KEY_PATTERN, type ApiKey, type ApiKeyCreated, type CreateApiKey, type ListApiKeys } from './api-keys.schemas.js';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export class ApiKeysService {
  private readonly repo = new ApiKeysRepository();
  private readonly customers = new CustomersRepository();

  constructor(private readonly db: Database) {}

  async create(input: CreateApiKey, actor: Actor): Promise<ApiKeyCreated> {
    const customerId = input.customerId ?? null;
    if (input.role === 'customer' && customerId === null) throw invalidField('body.customerId', 'a customer key needs a customerId');
    if (input.role !== 'customer' && customerId !== null) throw invalidField('body.customerId', `a ${input.role} key cannot belong to a customer`);
    for (let attempt = 0; ; attempt++) {
      const prefix = randomBytes(6).toString('hex');
      const key = `tmk_${prefix}_${randomBytes(32).toString('base64url')}`;
      try {
        const row = await this.db.transaction(async (tx) => {
          if (customerId !== null && !(await this.customers.exists(tx, customerId))) throw invalidField('body.customerId', `no customer ${customerId}`);
          const created = await this.repo.insert(tx, {
            name: input.name,
            prefix,
            keyHash: hashApiKey(key),
            role: input.role,
            customerId,
            createdBy: actor.type === 'user' ? actor.id : null,
          });
          await recordAudit(tx, actor, {
            entity: 'api_key',
            entityId: created.id,
            action: 'create',
            changes: { name: input.name, role: input.role, customerId, prefix },
          });
          return created;
        });
        return { ...toApiKey(row), key };
      } catch (error) {
        // 48 random bits: a prefix collision is rare; draw again.
        if (attempt < 3 && isUniqueViolation(error, 'api_keys_prefix_key')) continue;
        throw error;
      }
    }
  }

  async list(query: ListApiKeys): Promise<Page<ApiKey>> {
    const page = await this.repo.list(this.db, query);
    return { items: page.items.map(toApiKey), nextCursor: page.nextCursor };
  }

  async get(id: string): Promise<ApiKey> {
    const row = await this.repo.find(this.db, id);
    if (!row) throw notFound('API key', id);
    return toApiKey(row);
  }

  /** Revokes the key (idempotent). */
  async revoke(id: string, actor: Actor): Promise<ApiKey> {
    const row = await this.db.transaction(async (tx) => {
      const before = await this.repo.find(tx, id);
      if (!before) throw notFound('API key', id);
      if (before.revoked_at) return before;
      const after = (await this.repo.revoke(tx, id))!;
      await recordAudit(tx, actor, { entity: 'api_key', entityId: id, action: 'revoke' });
      return after;
    });
    return toApiKey(row);
  }

  /** The principal of a presented key; undefined when malformed, unknown, wrong or revoked. */
  async authenticate(key: string): Promise<Principal | undefined> {
    const match = API_KEY_PATTERN.exec(key);
    if (!match) return undefined;
    const row = await this.repo.findByPrefix(this.db, match[1]!);
    if (!row || row.revoked_at) return undefined;
    if (!timingSafeEqual(Buffer.from(hashApiKey(key), 'hex'), Buffer.from(row.key_hash, 'hex'))) return undefined;
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) await this.repo.touch(this.db, row.id);
    return { role: row.role, actor: { type: 'api_key', id: row.id }, customerId: row.customer_id ?? undefined };
  }
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    customerId: row.customer_id,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

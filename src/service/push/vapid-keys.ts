/**
 * The VAPID key pair the push services know us by. Configured (WEB_PUSH_VAPID_PUBLIC_KEY and
 * WEB_PUSH_VAPID_PRIVATE_KEY), or else generated once and stored in the database with the private
 * key sealed by the secrets key — a new pair at every start would orphan every browser's
 * subscription (they are bound to the public key).
 */
import webpush from 'web-push';
import type { Database } from '../../kernel/db/database.js';
import type { SecretBox } from '../../kernel/secrets/secret-box.js';
import { WEB_PUSH_PRIVATE_KEY } from '../../kernel/secrets/secrets-rewrap.js';
import { PushRepository } from './push.repository.js';

export interface VapidKeys {
  readonly publicKey: string;
  readonly privateKey: string;
}

export interface VapidKeySource {
  readonly configured?: { publicKey?: string | undefined; privateKey?: string | undefined };
  readonly db: Database;
  readonly secrets: SecretBox;
}

export class VapidKeyStore {
  private readonly repo = new PushRepository();
  private keys?: Promise<VapidKeys>;

  constructor(private readonly source: VapidKeySource) {
    const { publicKey, privateKey } = source.configured ?? {};
    if (!publicKey !== !privateKey) throw new Error('WEB_PUSH_VAPID_PUBLIC_KEY and WEB_PUSH_VAPID_PRIVATE_KEY go together: set both or neither');
  }

  /** Resolved once per process (a failed read is tried again next time). */
  get(): Promise<VapidKeys> {
    this.keys ??= this.resolve().catch((error: unknown) => {
      this.keys = undefined;
      throw error;
    });
    return this.keys;
  }

  private async resolve(): Promise<VapidKeys> {
    const { configured, db, secrets } = this.source;
    if (configured?.publicKey && configured.privateKey) return { publicKey: configured.publicKey, privateKey: configured.privateKey };
    let stored = await this.repo.storedKeys(db);
    if (!stored) {
      const fresh = webpush.generateVAPIDKeys();
      await this.repo.storeKeys(db, fresh.publicKey, secrets.seal(fresh.privateKey, WEB_PUSH_PRIVATE_KEY));
      stored = (await this.repo.storedKeys(db))!;
    }
    return { publicKey: stored.public_key, privateKey: secrets.open(stored.private_key, WEB_PUSH_PRIVATE_KEY) };
  }
}

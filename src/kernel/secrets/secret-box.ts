/**
 * Secrets at rest: the signing secrets of webhooks, report schedules and contact notifications
 * must be readable by the platform (it signs with them), so they are encrypted, not hashed:
 * AES-256-GCM (node:crypto) with a random 96-bit IV per value and the column as additional
 * authenticated data, so a value copied into another column does not decrypt.
 *
 * Stored form: `tmsec:1:<key id>:<base64url(iv ‖ tag ‖ ciphertext)>`. The key id (first 8
 * base64url characters of SHA-256 of the key) says which key sealed a value, so a rotation
 * reads values sealed by the previous key while writing with the new one. A value without the
 * prefix is a legacy clear value (written before encryption): read as is, and re-encrypted at
 * start (secrets-rewrap.ts).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'tmsec:1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretKeyError extends Error {
  readonly code = 'SECRET_UNREADABLE';
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

/** The key id of a 32-byte key. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}

/** A 32-byte key from its base64 (or base64url) text; throws on anything else. */
export function decodeKey(text: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new SecretKeyError('a secrets key must be 32 bytes in base64');
  return key;
}

let processBox: SecretBox | undefined;

export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  /** Key id of the key new values are sealed with. */
  readonly keyId: string;

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    this.keyId = keyIdOf(current);
    for (const key of [current, ...previous]) if (!this.keys.has(keyIdOf(key))) this.keys.set(keyIdOf(key), key);
  }

  /**
   * A random key for this process only, the same for every caller in it. For components built
   * without the platform's key ring (tests); the platform always passes its own.
   */
  static ephemeral(): SecretBox {
    processBox ??= new SecretBox(randomBytes(32));
    return processBox;
  }

  /** Encrypts `plain` for the column `purpose` (e.g. `webhook_subscriptions.secret`). */
  seal(plain: string, purpose: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.keyId)!, iv);
    cipher.setAAD(Buffer.from(purpose));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${this.keyId}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
  }

  /** The clear secret of a stored value (a legacy clear value is returned unchanged). */
  open(stored: string, purpose: string): string {
    if (!SecretBox.isSealed(stored)) return stored;
    const [keyId, payload] = stored.slice(PREFIX.length).split(':') as [string, string | undefined];
    const key = this.keys.get(keyId);
    if (!key) throw new SecretKeyError(`secret sealed with key ${keyId}, which is neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS`);
    const bytes = Buffer.from(payload ?? '', 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError(`secret sealed with key ${keyId} does not decrypt (damaged, or stored for another column)`);
    }
  }

  /** Is the stored value sealed with the current key (nothing to re-encrypt)? */
  isCurrent(stored: string): boolean {
    return stored.startsWith(this.currentPrefix());
  }

  static isSealed(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }

  /** The prefix of every value sealed with the current key. */
  currentPrefix(): string {
    return `${PREFIX}${this.keyId}:`;
  }
}

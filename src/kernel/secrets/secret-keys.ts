/**
 * Where the secrets key comes from:
 * - SECRETS_KEY (with SECRETS_KEY_PREVIOUS for reading values sealed before a rotation);
 * - unset, embedded database (no DATABASE_URL): DATA_DIR/secrets.key, 32 random bytes written
 *   on first start with mode 0600 — one process owns the embedded database, so one file serves.
 *   Kept beside, not inside, the database folder: a copy of DATA_DIR/pglite alone reveals no secret;
 * - unset with DATABASE_URL: refused. Processes sharing a database (often on other hosts) must
 *   share the key; a key file per host would seal values the other processes cannot read.
 * When SECRETS_KEY is set and the key file exists too, the file's key is read as a previous key,
 * so moving from the generated key to an explicit one re-encrypts everything at the next start.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, type Config } from '../config.js';
import type { Logger } from '../logger.js';
import { decodeKey, SecretBox } from './secret-box.js';

export const KEY_FILE = 'secrets.key';

type KeyConfig = Pick<Config, 'SECRETS_KEY' | 'SECRETS_KEY_PREVIOUS' | 'DATABASE_URL' | 'DATA_DIR'>;

export async function loadSecretBox(config: KeyConfig, logger?: Logger): Promise<SecretBox> {
  const previous = (config.SECRETS_KEY_PREVIOUS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map(decodeKey);
  const file = path.resolve(config.DATA_DIR, KEY_FILE);
  if (config.SECRETS_KEY) {
    const fileKey = config.DATABASE_URL ? undefined : await readKeyFile(file);
    return new SecretBox(decodeKey(config.SECRETS_KEY), fileKey ? [...previous, fileKey] : previous);
  }
  if (config.DATABASE_URL) {
    throw new ConfigError([
      'SECRETS_KEY (unset): required with DATABASE_URL — every process sharing the database must encrypt secrets with the same key (openssl rand -base64 32)',
    ]);
  }
  let key = await readKeyFile(file);
  if (!key) {
    await mkdir(config.DATA_DIR, { recursive: true });
    try {
      await writeFile(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      logger?.info({ file }, 'generated the secrets key (keep it with backups of the database: without it stored webhook secrets cannot be read)');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    key = (await readKeyFile(file))!;
  }
  const mode = (await stat(file)).mode & 0o077;
  if (mode !== 0) logger?.warn({ file, mode: ((await stat(file)).mode & 0o777).toString(8) }, 'the secrets key file is readable by other users; chmod 600 it');
  return new SecretBox(key, previous);
}

async function readKeyFile(file: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return decodeKey(text);
  } catch {
    throw new ConfigError([`${file}: not a secrets key (32 bytes in base64)`]);
  }
}

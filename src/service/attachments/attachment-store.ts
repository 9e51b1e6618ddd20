/**
 * Where attachment files live, behind a small port: the local disk under DATA_DIR/attachments
 * (default) or an S3-compatible bucket. Keys are attachment storage keys (UUIDs); the store never
 * sees a client-supplied name.
 */
import type { Readable } from 'node:stream';

export interface AttachmentStore {
  /** Stores the whole file under `key`; a reader never sees it half-written. */
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  /** The file's bytes; NOT_FOUND when the key holds nothing. */
  get(key: string): Promise<Readable>;
  /** Removes the file; a missing file is not an error. */
  delete(key: string): Promise<void>;
  /** Whether a file is stored under `key`. */
  has(key: string): Promise<boolean>;
  /** Releases connections (S3 client sockets); called once when the process stops. */
  close?(): void;
}

const KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Storage keys are UUIDs: nothing else may reach a path or an object name. */
export function checkKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`invalid attachment storage key ${JSON.stringify(key)}`);
  return key;
}

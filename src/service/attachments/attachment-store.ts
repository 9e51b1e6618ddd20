/**
 * Where attachment files live, behind a small port: the local disk under DATA_DIR/attachments
 * (default) or an S3-compatible bucket. Keys are attachment storage keys (UUIDs); the store never
 * sees a client-supplied name.
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Config } from '../../kernel/config.js';
import { DiskAttachmentStore } from './disk-attachment-store.js';
import { S3AttachmentStore } from './s3-attachment-store.js';

export interface AttachmentStore {
  /** Stores the whole file under `key`; a reader never sees it half-written. */
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  /** The file's bytes; NOT_FOUND when the key holds nothing. */
  get(key: string): Promise<Readable>;
  /** Removes the file; a missing file is not an error. */
  delete(key: string): Promise<void>;
  /** Whether a file is stored under `key`. */
  has(key: string): Promise<boolean>;
}

const KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Storage keys are UUIDs: nothing else may reach a path or an object name. */
export function checkKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`invalid attachment storage key ${JSON.stringify(key)}`);
  return key;
}

type StoreConfig = Pick<
  Config,
  | 'DATA_DIR'
  | 'ATTACHMENTS_STORE'
  | 'ATTACHMENTS_S3_ENDPOINT'
  | 'ATTACHMENTS_S3_BUCKET'
  | 'ATTACHMENTS_S3_REGION'
  | 'ATTACHMENTS_S3_ACCESS_KEY'
  | 'ATTACHMENTS_S3_SECRET_KEY'
>;

/** The store the configuration names. */
export function attachmentStoreOf(config: StoreConfig): AttachmentStore {
  if (config.ATTACHMENTS_STORE === 's3') {
    return new S3AttachmentStore({
      bucket: config.ATTACHMENTS_S3_BUCKET!,
      region: config.ATTACHMENTS_S3_REGION,
      endpoint: config.ATTACHMENTS_S3_ENDPOINT,
      credentials:
        config.ATTACHMENTS_S3_ACCESS_KEY && config.ATTACHMENTS_S3_SECRET_KEY
          ? { accessKeyId: config.ATTACHMENTS_S3_ACCESS_KEY, secretAccessKey: config.ATTACHMENTS_S3_SECRET_KEY }
          : undefined,
    });
  }
  return new DiskAttachmentStore(path.resolve(config.DATA_DIR, 'attachments'));
}

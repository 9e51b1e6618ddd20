/** The attachment store the configuration names (ATTACHMENTS_STORE). */
import path from 'node:path';
import type { Config } from '../../kernel/config.js';
import type { AttachmentStore } from './attachment-store.js';
import { DiskAttachmentStore } from './disk-attachment-store.js';
import { S3AttachmentStore } from './s3-attachment-store.js';

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

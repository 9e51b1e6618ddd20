/**
 * Attachments in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2...) through the AWS SDK. A
 * PutObject is atomic on the service's side: an object is visible whole or not at all. With a
 * custom endpoint, path-style addressing is used (what MinIO and most self-hosted servers expect).
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, NoSuchKey, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { notFound } from '../../kernel/errors.js';
import { checkKey, type AttachmentStore } from './attachment-store.js';

export interface S3StoreOptions {
  readonly bucket: string;
  readonly region: string;
  readonly endpoint?: string | undefined;
  /** Unset: the SDK's default credential chain (environment, instance role...). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

const PREFIX = 'attachments/';

export class S3AttachmentStore implements AttachmentStore {
  private readonly client: S3Client;

  constructor(private readonly options: S3StoreOptions) {
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  private keyOf(key: string): string {
    return PREFIX + checkKey(key);
  }

  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key), Body: data, ContentType: contentType }));
  }

  async get(key: string): Promise<Readable> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) }));
      if (!(object.Body instanceof Readable)) throw notFound('attachment content', key);
      return object.Body;
    } catch (error) {
      if (error instanceof NoSuchKey) throw notFound('attachment content', key);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    // DeleteObject succeeds for a missing key.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) }));
  }

  async has(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) }));
      return true;
    } catch (error) {
      if (error instanceof NotFound || error instanceof NoSuchKey) return false;
      throw error;
    }
  }

  close(): void {
    this.client.destroy();
  }
}

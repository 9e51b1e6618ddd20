/**
 * Attachments of tickets, visits and assets. Access follows the parent record: a customer reaches
 * only its own customer's records (NOT_FOUND otherwise, like every read of the API), uploading
 * and deleting take the parent's write roles, and technicians write only on their own tickets and
 * visits. The stored file is written before its row commits and removed after the row is gone
 * (see the purge queue in attachments.migration.ts), so a row never points at a missing file.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Clock } from '../../kernel/clock.js';
import type { Caller, Role } from '../../kernel/caller.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { afterCommit } from '../../kernel/db/after-commit.js';
import { AppError, notFound } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import { recordAudit } from '../../access/audit/audit.service.js';
import { seesMoneyKind } from '../../access/auth/money.js';
import { prepareContent, safeFileName } from './attachment-content.js';
import type { AttachmentStore } from './attachment-store.js';
import { AttachmentsRepository, parentOf, type AttachmentRow, type ParentKind, type ParentRef } from './attachments.repository.js';
import type { Attachment } from './attachments.schemas.js';

/** Who reads and who writes the attachments of each kind of parent (the parent's own read and write roles). */
export const READ_ROLES: Record<ParentKind, readonly Role[]> = {
  ticket: ['admin', 'dispatcher', 'agent', 'technician', 'customer'],
  visit: ['admin', 'dispatcher', 'agent', 'technician', 'customer'],
  asset: ['admin', 'dispatcher', 'agent', 'technician', 'customer'],
};
export const WRITE_ROLES: Record<ParentKind, readonly Role[]> = {
  ticket: ['admin', 'dispatcher', 'agent', 'technician', 'customer'],
  visit: ['admin', 'dispatcher', 'technician'],
  asset: ['admin', 'dispatcher', 'agent'],
};

/** How long an upload's file is kept without its row before the sweep may remove it. */
const UPLOAD_GRACE_SECONDS = 3600;

export interface AttachmentsOptions {
  readonly clock: Clock;
  /** Longer image edge after downscaling (ATTACHMENTS_MAX_IMAGE_EDGE). */
  readonly maxImageEdge: number;
  readonly logger?: Logger | undefined;
}

export interface UploadInput {
  readonly data: Buffer;
  readonly fileName?: string | undefined;
  readonly caption?: string | undefined;
  /** A document that prints prices: hidden from roles that do not see prices (agents, technicians). */
  readonly priced?: boolean | undefined;
}

/** Whether the caller may see a priced document (system callers without a role may). */
const seesPrices = (caller: Caller): boolean => !caller.role || seesMoneyKind(caller.role, 'price');

export class AttachmentsService {
  private readonly repo = new AttachmentsRepository();

  constructor(
    private readonly db: Database,
    private readonly store: AttachmentStore,
    private readonly options: AttachmentsOptions,
  ) {}

  /** Checks the caller may attach to `parent` (before the upload is read and processed). */
  async assertMayUpload(parent: ParentRef, caller: Caller): Promise<void> {
    await this.writable(this.db, parent, caller);
  }

  async upload(parent: ParentRef, input: UploadInput, caller: Caller): Promise<Attachment> {
    await this.writable(this.db, parent, caller);
    const content = await prepareContent(input.data, this.options.maxImageEdge);
    const id = randomUUID();
    const key = id;
    await this.repo.queuePurge(this.db, key, UPLOAD_GRACE_SECONDS);
    try {
      await this.store.put(key, content.data, content.contentType);
      const row = await this.db.transaction(async (tx) => {
        await this.writable(tx, parent, caller);
        const inserted = await this.repo.insert(tx, {
          id,
          parent,
          file_name: safeFileName(input.fileName, content.contentType),
          content_type: content.contentType,
          size_bytes: content.data.length,
          sha256: content.sha256,
          width: content.width,
          height: content.height,
          caption: input.caption?.trim() || null,
          storage_key: key,
          uploaded_by_type: caller.actor.type,
          uploaded_by_id: caller.actor.id,
          created_at: this.options.clock.now().toISOString(),
          priced: input.priced === true,
        });
        await this.repo.unqueuePurge(tx, key);
        await recordAudit(tx, caller.actor, {
          entity: 'attachment',
          entityId: id,
          action: 'create',
          changes: { [`${parent.kind}Id`]: parent.id, fileName: inserted.file_name, contentType: inserted.content_type, sizeBytes: content.data.length },
        });
        return inserted;
      });
      return toAttachment(row);
    } catch (error) {
      await this.purge(key);
      throw error;
    }
  }

  async list(parent: ParentRef, caller: Caller): Promise<Attachment[]> {
    await this.readable(this.db, parent, caller);
    return (await this.repo.list(this.db, parent)).filter((row) => !row.priced || seesPrices(caller)).map(toAttachment);
  }

  async get(id: string, caller: Caller): Promise<Attachment> {
    return toAttachment(await this.visible(this.db, id, caller));
  }

  async content(id: string, caller: Caller): Promise<{ attachment: Attachment; stream: Readable }> {
    const row = await this.visible(this.db, id, caller);
    return { attachment: toAttachment(row), stream: await this.store.get(row.storage_key) };
  }

  /** The attachment with its whole file in memory (generated documents, e-mail attachments; files are at most ATTACHMENTS_MAX_BYTES). */
  async read(id: string, caller: Caller): Promise<{ attachment: Attachment; data: Buffer }> {
    const { attachment, stream } = await this.content(id, caller);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
    return { attachment, data: Buffer.concat(chunks) };
  }

  /** Deletes the row (audited); the file goes once the deletion has committed. */
  async remove(id: string, caller: Caller): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.repo.find(tx, id, true);
      if (!row) throw notFound('attachment', id);
      const parent = parentOf(row);
      await this.readable(tx, parent, caller, id);
      await this.writable(tx, parent, caller);
      // Customers and technicians take back only what they uploaded; office roles tidy anything.
      if (
        (caller.role === 'customer' || caller.role === 'technician') &&
        !(row.uploaded_by_type === caller.actor.type && row.uploaded_by_id === caller.actor.id)
      ) {
        throw new AppError('FORBIDDEN', 'Only the uploader or the office may delete this attachment');
      }
      await this.repo.delete(tx, id);
      await recordAudit(tx, caller.actor, {
        entity: 'attachment',
        entityId: id,
        action: 'delete',
        changes: { [`${parent.kind}Id`]: parent.id, fileName: row.file_name, contentType: row.content_type, sha256: row.sha256 },
      });
      afterCommit(tx, () => this.purge(row.storage_key));
    });
  }

  /**
   * Removes the stored files of deleted rows (the attachment's own DELETE, a cascade from its
   * parent, an upload that never committed). Returns how many keys it handled.
   */
  async sweep(limit = 100): Promise<number> {
    const due = await this.repo.duePurges(this.db, limit);
    for (const { storage_key: key, referenced } of due) {
      if (!referenced) await this.store.delete(key);
      await this.repo.unqueuePurge(this.db, key);
    }
    return due.length;
  }

  /** Best effort now; on failure the queue entry stays for the sweep. */
  private async purge(key: string): Promise<void> {
    try {
      const referenced = (await this.db.query('SELECT 1 FROM attachments WHERE storage_key = $1', [key])).rows.length > 0;
      if (!referenced) await this.store.delete(key);
      await this.repo.unqueuePurge(this.db, key);
    } catch (error) {
      this.options.logger?.warn({ err: error, key }, 'attachment file not removed yet; the sweep retries');
    }
  }

  private async visible(q: Queryable, id: string, caller: Caller): Promise<AttachmentRow> {
    const row = await this.repo.find(q, id);
    if (!row) throw notFound('attachment', id);
    await this.readable(q, parentOf(row), caller, id);
    if (row.priced && !seesPrices(caller)) throw notFound('attachment', id);
    return row;
  }

  /** The parent, if the caller may read it; another customer's record is NOT_FOUND (of the attachment when one is named). */
  private async readable(q: Queryable, parent: ParentRef, caller: Caller, attachmentId?: string): Promise<void> {
    const owner = await this.repo.owner(q, parent);
    const hidden = !owner || (caller.customerId !== undefined && owner.customer_id !== caller.customerId);
    if (hidden) throw attachmentId ? notFound('attachment', attachmentId) : notFound(parent.kind, parent.id);
    if (caller.role && !READ_ROLES[parent.kind].includes(caller.role)) throw new AppError('FORBIDDEN', `Your role cannot read attachments of a ${parent.kind}`);
  }

  private async writable(q: Queryable, parent: ParentRef, caller: Caller): Promise<void> {
    const owner = await this.repo.owner(q, parent);
    if (!owner || (caller.customerId !== undefined && owner.customer_id !== caller.customerId)) throw notFound(parent.kind, parent.id);
    if (caller.role && !WRITE_ROLES[parent.kind].includes(caller.role)) throw new AppError('FORBIDDEN', `Your role cannot attach files to a ${parent.kind}`);
    if (caller.role === 'technician' && owner.technician_id !== caller.userId) {
      throw new AppError('FORBIDDEN', `Technicians may only attach files to their own ${parent.kind}s`);
    }
  }
}

function toAttachment(row: AttachmentRow): Attachment {
  const parent = parentOf(row);
  return {
    id: row.id,
    parentType: parent.kind,
    parentId: parent.id,
    fileName: row.file_name,
    contentType: row.content_type,
    sizeBytes: Number(row.size_bytes),
    sha256: row.sha256,
    width: row.width,
    height: row.height,
    caption: row.caption,
    uploadedBy: { type: row.uploaded_by_type, id: row.uploaded_by_id },
    createdAt: new Date(row.created_at).toISOString(),
    contentUrl: `/api/v1/attachments/${row.id}/content`,
  };
}

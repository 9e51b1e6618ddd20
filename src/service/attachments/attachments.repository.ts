/** SQL of attachments, their parents' ownership, and the purge queue of stored files. */
import type { Queryable } from '../../kernel/db/database.js';

export const PARENT_KINDS = ['ticket', 'visit', 'asset'] as const;
export type ParentKind = (typeof PARENT_KINDS)[number];

export interface ParentRef {
  readonly kind: ParentKind;
  readonly id: string;
}

/** Who owns a parent record: its customer, and (tickets, visits) its technician. */
export interface ParentOwner {
  readonly customer_id: string;
  readonly technician_id: string | null;
}

export interface AttachmentRow {
  id: string;
  ticket_id: string | null;
  visit_id: string | null;
  asset_id: string | null;
  file_name: string;
  content_type: string;
  size_bytes: string | number;
  sha256: string;
  width: number | null;
  height: number | null;
  caption: string | null;
  storage_key: string;
  uploaded_by_type: string;
  uploaded_by_id: string;
  created_at: Date | string;
  /** A generated document showing prices (quote, invoice): only roles that see prices get it. */
  priced: boolean;
}

export type NewAttachment = Omit<AttachmentRow, 'ticket_id' | 'visit_id' | 'asset_id'> & { parent: ParentRef };

const OWNER_SQL: Record<ParentKind, string> = {
  ticket: 'SELECT customer_id, technician_id FROM tickets WHERE id = $1',
  visit: 'SELECT t.customer_id, v.technician_id FROM visits v JOIN tickets t ON t.id = v.ticket_id WHERE v.id = $1',
  asset: 'SELECT s.customer_id, NULL::uuid AS technician_id FROM assets a JOIN sites s ON s.id = a.site_id WHERE a.id = $1',
};

const COLUMN: Record<ParentKind, string> = { ticket: 'ticket_id', visit: 'visit_id', asset: 'asset_id' };

export function parentOf(row: AttachmentRow): ParentRef {
  if (row.ticket_id) return { kind: 'ticket', id: row.ticket_id };
  if (row.visit_id) return { kind: 'visit', id: row.visit_id };
  return { kind: 'asset', id: row.asset_id! };
}

export class AttachmentsRepository {
  async owner(q: Queryable, parent: ParentRef): Promise<ParentOwner | undefined> {
    const { rows } = await q.query<ParentOwner>(OWNER_SQL[parent.kind], [parent.id]);
    return rows[0];
  }

  async insert(q: Queryable, a: NewAttachment): Promise<AttachmentRow> {
    const { rows } = await q.query<AttachmentRow>(
      `INSERT INTO attachments (id, ${COLUMN[a.parent.kind]}, file_name, content_type, size_bytes, sha256, width, height, caption, storage_key,
         uploaded_by_type, uploaded_by_id, created_at, priced)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *`,
      [
        a.id,
        a.parent.id,
        a.file_name,
        a.content_type,
        a.size_bytes,
        a.sha256,
        a.width,
        a.height,
        a.caption,
        a.storage_key,
        a.uploaded_by_type,
        a.uploaded_by_id,
        a.created_at,
        a.priced,
      ],
    );
    return rows[0]!;
  }

  async find(q: Queryable, id: string, lock = false): Promise<AttachmentRow | undefined> {
    const { rows } = await q.query<AttachmentRow>(`SELECT * FROM attachments WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0];
  }

  async list(q: Queryable, parent: ParentRef): Promise<AttachmentRow[]> {
    const { rows } = await q.query<AttachmentRow>(`SELECT * FROM attachments WHERE ${COLUMN[parent.kind]} = $1 ORDER BY created_at, id`, [parent.id]);
    return rows;
  }

  async delete(q: Queryable, id: string): Promise<void> {
    await q.query('DELETE FROM attachments WHERE id = $1', [id]);
  }

  /** Queues a key for the sweep, due after `delaySeconds` (an upload in flight keeps its file until then). */
  async queuePurge(q: Queryable, key: string, delaySeconds: number): Promise<void> {
    await q.query(
      `INSERT INTO attachment_purges (storage_key, due_at) VALUES ($1, now() + make_interval(secs => $2))
       ON CONFLICT (storage_key) DO UPDATE SET due_at = EXCLUDED.due_at`,
      [key, delaySeconds],
    );
  }

  async unqueuePurge(q: Queryable, key: string): Promise<void> {
    await q.query('DELETE FROM attachment_purges WHERE storage_key = $1', [key]);
  }

  /** Keys due for removal; `referenced` = a row still uses the key (only the queue entry goes). */
  async duePurges(q: Queryable, limit: number): Promise<{ storage_key: string; referenced: boolean }[]> {
    const { rows } = await q.query<{ storage_key: string; referenced: boolean }>(
      `SELECT p.storage_key, EXISTS (SELECT 1 FROM attachments a WHERE a.storage_key = p.storage_key) AS referenced
         FROM attachment_purges p WHERE p.due_at <= now() ORDER BY p.due_at LIMIT $1`,
      [limit],
    );
    return rows;
  }
}

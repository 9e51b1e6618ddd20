/**
 * Attachments (issue #17) through the real app: PGlite, the disk store in a temporary DATA_DIR,
 * real images made and read back with sharp.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditTrail } from '../../src/access/audit/audit.service.js';
import { DiskAttachmentStore } from '../../src/service/attachments/disk-attachment-store.js';
import { AttachmentsService } from '../../src/service/attachments/attachments.service.js';
import { ADMIN_TOKEN, seedCustomer, startServiceApi, type ServiceApi } from './service-fixture.js';

const MAX_BYTES = 200_000;
const MAX_EDGE = 256;

let api: ServiceApi;
let dataDir: string;
let store: DiskAttachmentStore;
let technician: { id: string; auth: { authorization: string } };

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'telemend-attachments-'));
  api = await startServiceApi('2025-03-10T08:00:00.000Z', {
    DATA_DIR: dataDir,
    ATTACHMENTS_MAX_BYTES: String(MAX_BYTES),
    ATTACHMENTS_MAX_IMAGE_EDGE: String(MAX_EDGE),
  });
  store = new DiskAttachmentStore(path.join(dataDir, 'attachments'));
  technician = await api.user('technician');
});
afterAll(async () => {
  await api?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A multipart/form-data body with optional fields before the one file part. */
function multipart(file: { name: string; type: string; data: Buffer }, fields: Record<string, string> = {}) {
  const boundary = `----telemend-${randomUUID()}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`));
  parts.push(file.data, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const adminAuth = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function upload(url: string, file: { name: string; type: string; data: Buffer }, auth = adminAuth, fields: Record<string, string> = {}) {
  const body = multipart(file, fields);
  const response = await api.app.inject({ method: 'POST', url, payload: body.payload, headers: { ...auth, ...body.headers } });
  return { status: response.statusCode, headers: response.headers, body: response.json() };
}

const raw = (method: 'GET' | 'DELETE', url: string, auth = adminAuth) => api.app.inject({ method, url, headers: auth });

/** A landscape JPEG 600×300 stored with EXIF orientation 6 (shown rotated 90°) and a GPS position. */
async function phonePhoto(): Promise<Buffer> {
  return sharp({ create: { width: 600, height: 300, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'TelemendTestCam' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '52/1 31/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '13/1 24/1 0/1' },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** The EXIF GPS IFD pointer (tag 0x8825), in either byte order. */
const hasGpsPointer = (data: Buffer) => data.includes(Buffer.from([0x88, 0x25])) || data.includes(Buffer.from([0x25, 0x88]));

const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');

async function openTicket(customerId: string, assetId?: string) {
  const ticket = await api.call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', title: 'Leaking valve', customerId, assetId });
  expect(ticket.status).toBe(201);
  return ticket.body.id as string;
}

describe('attachments', () => {
  test('a phone photo is turned upright, downscaled and stripped of its GPS position; listed and downloaded with its headers', async () => {
    const { customerId } = await seedCustomer(api);
    const ticketId = await openTicket(customerId);
    const photo = await phonePhoto();
    const before = await sharp(photo).metadata();
    expect([before.width, before.height, before.orientation, hasGpsPointer(before.exif!)]).toEqual([600, 300, 6, true]);

    const created = await upload(
      `/api/v1/tickets/${ticketId}/attachments`,
      { name: '../../etc/IMG:0042<1>.jpeg', type: 'image/jpeg', data: photo },
      adminAuth,
      {
        caption: 'Valve from the left',
      },
    );
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/api/v1/attachments/${created.body.id}`);
    // Upright (portrait), longer edge capped, the client's path and unsafe characters gone from the name.
    expect(created.body).toMatchObject({
      parentType: 'ticket',
      parentId: ticketId,
      contentType: 'image/jpeg',
      width: MAX_EDGE / 2,
      height: MAX_EDGE,
      caption: 'Valve from the left',
      fileName: 'IMG_0042_1_.jpg',
    });

    const stored = await import('node:fs/promises').then((fs) => fs.readFile(store.pathOf(created.body.id)));
    const after = await sharp(stored).metadata();
    expect([after.width, after.height]).toEqual([MAX_EDGE / 2, MAX_EDGE]);
    expect(after.orientation).toBeUndefined();
    expect(after.exif).toBeUndefined();
    expect(hasGpsPointer(stored)).toBe(false);
    expect(stored.includes(Buffer.from('TelemendTestCam'))).toBe(false);
    expect(created.body.sizeBytes).toBe(stored.length);
    expect(created.body.sha256).toBe(createHash('sha256').update(stored).digest('hex'));

    const list = await api.call('GET', `/api/v1/tickets/${ticketId}/attachments`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((a: { id: string }) => a.id)).toEqual([created.body.id]);

    const meta = await api.call('GET', `/api/v1/attachments/${created.body.id}`);
    expect(meta.body).toEqual(created.body);

    const content = await raw('GET', `/api/v1/attachments/${created.body.id}/content`);
    expect(content.statusCode).toBe(200);
    expect(content.headers['content-type']).toBe('image/jpeg');
    expect(content.headers['content-disposition']).toBe(`inline; filename="IMG_0042_1_.jpg"; filename*=UTF-8''IMG_0042_1_.jpg`);
    expect(content.headers['x-content-type-options']).toBe('nosniff');
    expect(content.rawPayload.equals(stored)).toBe(true);
    const download = await raw('GET', `/api/v1/attachments/${created.body.id}/content?download=true`);
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename="IMG_0042_1_.jpg"/);
  });

  test('a PDF passes as it is; on an asset too', async () => {
    const { customerId, assetIds } = await seedCustomer(api);
    const ticketId = await openTicket(customerId);
    const pdf = await upload(`/api/v1/tickets/${ticketId}/attachments`, { name: 'report.PDF', type: 'application/octet-stream', data: PDF });
    expect(pdf.status).toBe(201);
    expect(pdf.body).toMatchObject({ contentType: 'application/pdf', fileName: 'report.pdf', sizeBytes: PDF.length, width: null, caption: null });
    const content = await raw('GET', `/api/v1/attachments/${pdf.body.id}/content`);
    expect(content.headers['content-type']).toBe('application/pdf');
    expect(content.rawPayload.equals(PDF)).toBe(true);

    const onAsset = await upload(`/api/v1/assets/${assetIds[0]}/attachments`, { name: 'manual.pdf', type: 'application/pdf', data: PDF });
    expect(onAsset.status).toBe(201);
    expect(onAsset.body).toMatchObject({ parentType: 'asset', parentId: assetIds[0] });
  });

  test('a disguised file is 415 naming the detected type; an oversized one is 413; nothing is stored', async () => {
    const { customerId } = await seedCustomer(api);
    const ticketId = await openTicket(customerId);
    const url = `/api/v1/tickets/${ticketId}/attachments`;
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62), Buffer.from('PE\0\0'), Buffer.alloc(512)]);
    exe.writeUInt32LE(64, 0x3c);
    const disguisedExe = await upload(url, { name: 'holiday.jpg', type: 'image/jpeg', data: exe });
    expect(disguisedExe.status).toBe(415);
    expect(disguisedExe.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', detectedType: 'application/x-msdownload' });
    expect(disguisedExe.body.detail).toContain('application/x-msdownload');

    const text = await upload(url, { name: 'notes.jpg', type: 'image/jpeg', data: Buffer.from('just some text, not a photo\n'.repeat(20)) });
    expect(text.status).toBe(415);
    expect(text.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', detectedType: null });

    const big = Buffer.concat([PDF, Buffer.alloc(MAX_BYTES)]);
    const oversized = await upload(url, { name: 'big.pdf', type: 'application/pdf', data: big });
    expect(oversized.status).toBe(413);
    expect(oversized.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', maxBytes: MAX_BYTES });

    expect((await api.call('GET', `/api/v1/tickets/${ticketId}/attachments`)).body.items).toEqual([]);
    const { rows } = await api.db.query<{ n: number }>('SELECT count(*)::int AS n FROM attachment_purges WHERE due_at > now()');
    expect(rows[0]!.n).toBe(0);
  });

  test("a customer reaches only its own records' attachments (404 otherwise); technicians write only on their own visits", async () => {
    const mine = await seedCustomer(api);
    const theirs = await seedCustomer(api);
    const customer = await api.user('customer', { customerId: mine.customerId });
    const ownTicket = await openTicket(mine.customerId);
    const otherTicket = await openTicket(theirs.customerId);
    const other = await upload(`/api/v1/tickets/${otherTicket}/attachments`, { name: 'a.pdf', type: 'application/pdf', data: PDF });

    const own = await upload(`/api/v1/tickets/${ownTicket}/attachments`, { name: 'photo.jpg', type: 'image/jpeg', data: await phonePhoto() }, customer.auth);
    expect(own.status).toBe(201);
    expect((await api.call('GET', `/api/v1/tickets/${ownTicket}/attachments`, undefined, customer.auth)).body.items).toHaveLength(1);

    expect((await api.call('GET', `/api/v1/tickets/${otherTicket}/attachments`, undefined, customer.auth)).status).toBe(404);
    expect((await api.call('GET', `/api/v1/attachments/${other.body.id}`, undefined, customer.auth)).status).toBe(404);
    expect((await raw('GET', `/api/v1/attachments/${other.body.id}/content`, customer.auth)).statusCode).toBe(404);
    expect((await raw('DELETE', `/api/v1/attachments/${other.body.id}`, customer.auth)).statusCode).toBe(404);
    expect((await upload(`/api/v1/tickets/${otherTicket}/attachments`, { name: 'x.pdf', type: 'application/pdf', data: PDF }, customer.auth)).status).toBe(404);
    expect(
      (await upload(`/api/v1/assets/${theirs.assetIds[0]}/attachments`, { name: 'x.pdf', type: 'application/pdf', data: PDF }, customer.auth)).status,
    ).toBe(403);
    expect((await api.call('GET', `/api/v1/assets/${theirs.assetIds[0]}/attachments`, undefined, customer.auth)).status).toBe(404);
    expect(existsSync(store.pathOf(other.body.id))).toBe(true);

    // A visit: its technician attaches, another technician may read but not write.
    await api.call('POST', `/api/v1/tickets/${ownTicket}/assignment`, { technicianId: technician.id });
    const visit = await api.call('POST', `/api/v1/tickets/${ownTicket}/visits`, {
      technicianId: technician.id,
      plannedStart: '2025-03-11T08:00:00Z',
      plannedEnd: '2025-03-11T10:00:00Z',
    });
    expect(visit.status).toBe(201);
    const onVisit = await upload(`/api/v1/visits/${visit.body.id}/attachments`, { name: 'done.pdf', type: 'application/pdf', data: PDF }, technician.auth);
    expect(onVisit.status).toBe(201);
    const stranger = await api.user('technician');
    expect((await upload(`/api/v1/visits/${visit.body.id}/attachments`, { name: 'x.pdf', type: 'application/pdf', data: PDF }, stranger.auth)).status).toBe(
      403,
    );
    expect((await api.call('GET', `/api/v1/visits/${visit.body.id}/attachments`, undefined, stranger.auth)).body.items).toHaveLength(1);
    expect((await api.call('GET', `/api/v1/visits/${visit.body.id}/attachments`, undefined, customer.auth)).body.items).toHaveLength(1);
  });

  test('a delete is audited and removes the file from disk', async () => {
    const { customerId } = await seedCustomer(api);
    const ticketId = await openTicket(customerId);
    const created = await upload(`/api/v1/tickets/${ticketId}/attachments`, { name: 'a.pdf', type: 'application/pdf', data: PDF });
    const file = store.pathOf(created.body.id);
    expect(existsSync(file)).toBe(true);

    const removed = await raw('DELETE', `/api/v1/attachments/${created.body.id}`);
    expect(removed.statusCode).toBe(204);
    expect(existsSync(file)).toBe(false);
    expect((await api.call('GET', `/api/v1/attachments/${created.body.id}`)).status).toBe(404);
    const trail = await auditTrail(api.db, 'attachment', created.body.id);
    expect(trail.map((e) => e.action)).toEqual(['create', 'delete']);
    expect(trail[1]!.changes).toMatchObject({ ticketId, fileName: 'a.pdf' });
  });

  test("deleting the parent ticket's row removes its attachments, and the sweep their files", async () => {
    const { customerId } = await seedCustomer(api);
    const ticketId = await openTicket(customerId);
    const kept = await openTicket(customerId);
    const gone = await upload(`/api/v1/tickets/${ticketId}/attachments`, { name: 'a.pdf', type: 'application/pdf', data: PDF });
    const stays = await upload(`/api/v1/tickets/${kept}/attachments`, { name: 'b.pdf', type: 'application/pdf', data: PDF });

    await api.db.transaction(async (tx) => {
      // Rows that reference tickets without a cascade of their own (history, outbox...).
      const { rows } = await tx.query<{ table_name: string; column_name: string }>(
        `SELECT kcu.table_name, kcu.column_name FROM information_schema.referential_constraints rc
           JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name
           JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.constraint_name
          WHERE ccu.table_name = 'tickets' AND rc.delete_rule <> 'CASCADE'`,
      );
      for (const r of rows) await tx.query(`DELETE FROM ${r.table_name} WHERE ${r.column_name} = $1`, [ticketId]);
      await tx.query('DELETE FROM tickets WHERE id = $1', [ticketId]);
    });
    expect((await api.call('GET', `/api/v1/attachments/${gone.body.id}`)).status).toBe(404);
    expect(existsSync(store.pathOf(gone.body.id))).toBe(true);

    const sweeper = new AttachmentsService(api.db, store, { clock: api.clock, maxImageEdge: MAX_EDGE });
    expect(await sweeper.sweep()).toBe(1);
    expect(existsSync(store.pathOf(gone.body.id))).toBe(false);
    expect(existsSync(store.pathOf(stays.body.id))).toBe(true);
    expect(await sweeper.sweep()).toBe(0);
  });
});

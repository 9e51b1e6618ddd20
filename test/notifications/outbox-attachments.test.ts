/**
 * Outbox messages with attachment ids, through the real sender and a real SMTP server: the files
 * are read when the message is sent and attached; a file that is gone fails the message for good
 * (it must not go out without it); a store that is briefly away is retried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/kernel/errors.js';
import { createLogger } from '../../src/kernel/logger.js';
import type { Database } from '../../src/kernel/db/database.js';
import type { OutboxFileSource } from '../../src/service/notifications/notification-channels.js';
import { NotificationSender } from '../../src/service/notifications/notification-sender.js';
import { NotificationsRepository } from '../../src/service/notifications/notifications.repository.js';
import { openTestDatabase } from '../harness/database.js';
import { TestSmtp } from './notifications-fixture.js';

let db: Database;
let smtp: TestSmtp;
const repo = new NotificationsRepository();
const PDF = Buffer.from('%PDF-1.4\n% a tiny test file\n');
const GONE = '00000000-0000-4000-8000-000000000001';
const FLAKY = '00000000-0000-4000-8000-000000000002';
const OK = '00000000-0000-4000-8000-000000000003';
let flakyCalls = 0;

const files: OutboxFileSource = {
  async read(id) {
    if (id === GONE) throw new AppError('NOT_FOUND', `attachment ${id} was not found`);
    if (id === FLAKY && flakyCalls++ === 0) throw new Error('store unavailable');
    return { fileName: `doc-${id.slice(-1)}.pdf`, contentType: 'application/pdf', data: PDF };
  },
};

beforeAll(async () => {
  db = await openTestDatabase();
  smtp = await TestSmtp.create();
  await smtp.start();
});
afterAll(async () => {
  await smtp?.stop();
  await db?.close();
});

async function queue(key: string, attachmentIds: string[]): Promise<string> {
  await repo.insert(db, {
    dedupeKey: key,
    event: 'document.test',
    ticketId: null,
    visitId: null,
    recipient: `customer:${key}`,
    contactId: null,
    technicianId: null,
    channel: 'email',
    address: `${key}@example.test`,
    language: 'en',
    subject: `Document ${key}`,
    body: 'Attached.',
    html: null,
    data: {},
    at: new Date(Date.now() - 1000),
    attachmentIds,
  });
  const { rows } = await db.query<{ id: string }>('SELECT id FROM notification_outbox WHERE dedupe_key = $1', [key]);
  return rows[0]!.id;
}

function sender(): NotificationSender {
  return new NotificationSender({ db, logger: createLogger('silent'), smtpUrl: smtp.url, files, backoffBaseMs: 1, backoffMaxMs: 1, timeoutMs: 2000 });
}

describe('outbox attachments', () => {
  it('attaches the files, fails a message whose file is gone, retries one whose store was away', async () => {
    const ok = await queue('ok', [OK]);
    const gone = await queue('gone', [GONE]);
    const flaky = await queue('flaky', [FLAKY]);
    const s = sender();
    await s.runOnce();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await s.runOnce();
    await s.stop();

    const status = async (id: string) => (await db.query<{ status: string }>('SELECT status FROM notification_outbox WHERE id = $1', [id])).rows[0]!.status;
    expect(await status(ok)).toBe('sent');
    expect(await status(gone)).toBe('failed');
    expect(await status(flaky)).toBe('sent');
    for (const id of [ok, flaky]) {
      const [mail] = smtp.withId(id);
      expect(mail!.raw).toMatch(/Content-Type: application\/pdf; name=doc-\d\.pdf/);
      expect(mail!.raw).toContain(PDF.toString('base64').slice(0, 20));
    }
    expect(smtp.withId(gone)).toHaveLength(0);
  });
});

/**
 * The service report on the real platform (role all: API, worker sweep, outbox sender) with a
 * real SMTP server: closing a visit with a drawn signature makes the report PDF (stored as the
 * visit's attachment, with the ticket number, the signer and the images), and e-mails it to the
 * customer's contact with the PDF attached; an invoice sent by the back office arrives the same way.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import sharp from 'sharp';
import { apiCall, startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { pdfContent } from '../harness/pdf-text.js';
import { TestSmtp, type ReceivedMail } from '../notifications/notifications-fixture.js';
import { PNG_SIGNATURE } from '../invoicing/invoicing-fixture.js';

let smtp: TestSmtp;
let tp: TestPlatform;

beforeAll(async () => {
  smtp = await TestSmtp.create();
  await smtp.start();
  tp = await startTestPlatform({ SMTP_URL: smtp.url, DOCUMENTS_COMPANY_NAME: 'Kälte Service GmbH' });
});
afterAll(async () => {
  await tp?.stop();
  await smtp?.stop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are checked field by field
async function call(method: string, url: string, body?: unknown): Promise<any> {
  const reply = await tp.call(method, url, body);
  if (reply.status >= 300) throw new Error(`${method} ${url}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 25_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The decoded application/pdf parts of a received e-mail (nodemailer writes them base64). */
function pdfParts(mail: ReceivedMail): { fileName: string; data: Buffer }[] {
  const parts = mail.raw.split(/\r\n--[^\r\n]+\r\n/);
  return parts
    .filter((part) => /^Content-Type: application\/pdf/im.test(part))
    .map((part) => {
      const cut = part.indexOf('\r\n\r\n');
      const head = part.slice(0, cut);
      const fileName = /filename=("?)([^";\r\n]+)\1/i.exec(head.replace(/\r\n\s+/g, ' '))?.[2] ?? '';
      return { fileName, data: Buffer.from(part.slice(cut + 4).replace(/--[^\r\n]*--\s*$/, ''), 'base64') };
    });
}

async function upload(visitId: string, data: Buffer, fileName: string, caption: string): Promise<void> {
  const form = new FormData();
  form.append('caption', caption);
  form.append('file', new Blob([new Uint8Array(data)], { type: 'image/png' }), fileName);
  const res = await fetch(`${tp.api}/api/v1/visits/${visitId}/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tp.adminToken}` },
    body: form,
  });
  expect(res.status).toBe(201);
}

describe('service report', () => {
  test('closing a visit with a signature makes the report, stores it on the visit and e-mails it with the PDF attached', async () => {
    const customer = await call('POST', '/api/v1/customers', { name: 'Bäckerei Schön' });
    await call('POST', '/api/v1/contacts', {
      customerId: customer.id,
      name: 'Jürgen Größ',
      emails: [{ address: 'juergen@example.test' }],
      language: 'de',
      isPrimary: true,
    });
    const technician = await call('POST', '/api/v1/users', {
      email: 'tech-report@example.test',
      name: 'Tom Techniker',
      role: 'technician',
      password: 'correct horse battery',
    });
    const ticket = await call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', title: 'Kühlung fällt aus', customerId: customer.id });
    await call('POST', `/api/v1/tickets/${ticket.id}/assignment`, { technicianId: technician.id });
    const start = new Date(Date.now() - 2 * 3600_000).toISOString();
    const end = new Date(Date.now() - 3600_000).toISOString();
    const visit = await call('POST', `/api/v1/tickets/${ticket.id}/visits`, { technicianId: technician.id, plannedStart: start, plannedEnd: end });
    await call('PATCH', `/api/v1/visits/${visit.id}`, { actualStart: start });
    await call('POST', `/api/v1/visits/${visit.id}/labour`, { minutes: 45, description: 'Verdichter geprüft' });
    await call('POST', `/api/v1/visits/${visit.id}/parts`, { sku: 'FLT-9', quantity: 2, description: 'Filtertrockner' });
    const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#cc3300' } })
      .png()
      .toBuffer();
    await upload(visit.id, photo, 'verdichter.png', 'Verdichter nach dem Tausch');

    await call('POST', `/api/v1/visits/${visit.id}/close`, {
      outcome: 'fixed',
      actualEnd: end,
      resolutionNotes: 'Filtertrockner getauscht, Anlage läuft',
      acceptance: { name: 'Jürgen Größ', signature: PNG_SIGNATURE },
    });

    // The worker's sweep stores the report as an attachment of the visit.
    const report = await until('the report attachment', async () => {
      const list = await call('GET', `/api/v1/visits/${visit.id}/attachments`);
      return (list.items as { id: string; contentType: string; fileName: string }[]).find((a) => a.contentType === 'application/pdf');
    });
    expect(report.fileName).toBe(`service-report-${ticket.number}.pdf`);
    const stored = await fetch(`${tp.api}/api/v1/attachments/${report.id}/content`, { headers: { authorization: `Bearer ${tp.adminToken}` } });
    const content = await pdfContent(new Uint8Array(await stored.arrayBuffer()));
    expect(content.text).toContain('Servicebericht');
    expect(content.text).toContain(ticket.number);
    expect(content.text).toContain('Jürgen Größ');
    expect(content.text).toContain('Filtertrockner getauscht, Anlage läuft');
    expect(content.text).toContain('Verdichter geprüft');
    expect(content.text).toContain('0,75');
    expect(content.text).toContain('FLT-9');
    expect(content.text).toContain('Verdichter nach dem Tausch');
    // The photo and the drawn signature.
    expect(content.imageCount).toBe(2);

    // GET /visits/{id}/report/pdf serves the stored one.
    const download = await fetch(`${tp.api}/api/v1/visits/${visit.id}/report/pdf`, { headers: { authorization: `Bearer ${tp.adminToken}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await download.arrayBuffer()).equals(
        Buffer.from(
          await (await fetch(`${tp.api}/api/v1/attachments/${report.id}/content`, { headers: { authorization: `Bearer ${tp.adminToken}` } })).arrayBuffer(),
        ),
      ),
    ).toBe(true);

    // The e-mail with the PDF attached.
    const mail = await until('the report e-mail', () => smtp.received.find((m) => m.headers['x-telemend-event'] === 'document.service_report'));
    expect(mail.to).toEqual(['juergen@example.test']);
    expect(mail.subject).toBe(`Servicebericht zum Vorgang ${ticket.number}`);
    const [attached, ...more] = pdfParts(mail);
    expect(more).toHaveLength(0);
    expect(attached!.fileName).toBe(`service-report-${ticket.number}.pdf`);
    expect((await pdfContent(attached!.data)).text).toContain(ticket.number);

    // One report and one e-mail per visit, however often the sweep runs: wait longer than one sweep interval (3 s).
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const list = await call('GET', `/api/v1/visits/${visit.id}/attachments`);
    expect((list.items as { contentType: string }[]).filter((a) => a.contentType === 'application/pdf')).toHaveLength(1);
    expect(smtp.received.filter((m) => m.headers['x-telemend-event'] === 'document.service_report')).toHaveLength(1);

    // The invoice of the same ticket, sent by the back office, arrives with its PDF too.
    const invoice = await call('POST', `/api/v1/tickets/${ticket.id}/invoice`);
    const issued = await call('POST', `/api/v1/invoices/${invoice.id}/issue`);
    const sent = await call('POST', `/api/v1/invoices/${invoice.id}/send`);
    expect(sent).toMatchObject({ to: 'juergen@example.test', queued: true });
    const invoiceMail = await until('the invoice e-mail', () => smtp.received.find((m) => m.headers['x-telemend-event'] === 'document.invoice'));
    expect(invoiceMail.subject).toBe(`Rechnung ${issued.number}`);
    const [invoicePdf] = pdfParts(invoiceMail);
    expect((await pdfContent(invoicePdf!.data)).text).toContain(issued.number);
  });

  test('the report of a visit that is not closed is refused; another customer cannot read it', async () => {
    const customer = await call('POST', '/api/v1/customers', { name: 'Open visit customer' });
    const technician = await call('POST', '/api/v1/users', {
      email: 'tech-open@example.test',
      name: 'Tina',
      role: 'technician',
      password: 'correct horse battery',
    });
    const ticket = await call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', title: 'Noise', customerId: customer.id });
    await call('POST', `/api/v1/tickets/${ticket.id}/assignment`, { technicianId: technician.id });
    const start = new Date(Date.now() + 3600_000).toISOString();
    const visit = await call('POST', `/api/v1/tickets/${ticket.id}/visits`, {
      technicianId: technician.id,
      plannedStart: start,
      plannedEnd: new Date(Date.now() + 7200_000).toISOString(),
    });
    const open = await tp.call('GET', `/api/v1/visits/${visit.id}/report/pdf`);
    expect(open.status).toBe(409);

    const other = await call('POST', '/api/v1/customers', { name: 'Someone else' });
    const login = { email: 'portal-other@example.test', password: 'correct horse battery' };
    await call('POST', '/api/v1/users', { ...login, name: 'Other portal user', role: 'customer', customerId: other.id });
    const { token } = await call('POST', '/api/v1/auth/login', login);
    const theirs = await apiCall(tp.api, token as string, 'GET', `/api/v1/visits/${visit.id}/report/pdf`);
    expect(theirs.status).toBe(404);
  });
});

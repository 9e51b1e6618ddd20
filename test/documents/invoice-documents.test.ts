/**
 * The invoice, act and work-order PDFs on the real API and database: what they print (read back
 * with pdfjs), in the customer's language, and who may fetch them (a customer only its own
 * invoices, another customer's is a plain 404; agents get no prices; technicians the work order).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_TOKEN, seedCustomer, startServiceApi, type ServiceApi } from '../service/service-fixture.js';
import { catalogPart, workedTicket } from '../invoicing/invoicing-fixture.js';
import { pdfContent } from '../harness/pdf-text.js';

let api: ServiceApi;
let dataDir: string;
let technician: { id: string; auth: { authorization: string } };

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'telemend-documents-'));
  api = await startServiceApi('2025-03-12T09:00:00.000Z', { DATA_DIR: dataDir, DOCUMENTS_COMPANY_NAME: 'Kälte Service GmbH', DOCUMENTS_PAYMENT_DAYS: '14' });
  technician = await api.user('technician');
  await catalogPart(api, { sku: 'PS-100', description: 'Pressure switch', unitPrice: 80, unitCost: 50 });
});
afterAll(async () => {
  await api?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function pdf(url: string, authorization = `Bearer ${ADMIN_TOKEN}`) {
  const response = await api.app.inject({ method: 'GET', url, headers: { authorization } });
  return { status: response.statusCode, headers: response.headers, data: response.rawPayload, body: response.body };
}

/** A customer whose primary contact reads German, with an issued invoice (and its ticket). */
async function germanInvoice() {
  const { customerId, assetIds } = await seedCustomer(api);
  const contact = await api.call('POST', '/api/v1/contacts', {
    customerId,
    name: 'Jürgen Größ',
    emails: [{ address: 'juergen@example.test' }],
    language: 'de',
    isPrimary: true,
  });
  expect(contact.status).toBe(201);
  const work = await workedTicket(api, {
    customerId,
    technicianId: technician.id,
    assetId: assetIds[0]!,
    labour: [{ minutes: 90, description: 'Druckschalter getauscht' }],
    parts: [{ sku: 'PS-100', quantity: 1 }],
  });
  const draft = await api.call('POST', `/api/v1/tickets/${work.ticketId}/invoice`);
  expect(draft.status).toBe(201);
  return { customerId, ...work, invoiceId: draft.body.id as string };
}

describe('invoice PDF', () => {
  test('a draft is marked as such; the issued invoice prints its number, lines, total and due date in the customer language', async () => {
    const { invoiceId, ticketNumber } = await germanInvoice();
    const draft = await pdf(`/api/v1/invoices/${invoiceId}/pdf`);
    expect(draft.status).toBe(200);
    const draftText = (await pdfContent(draft.data)).text;
    expect(draftText).toContain('Rechnung (Entwurf)');
    expect(draftText).toContain('ENTWURF');

    const issued = await api.call('POST', `/api/v1/invoices/${invoiceId}/issue`);
    expect(issued.status).toBe(200);
    const reply = await pdf(`/api/v1/invoices/${invoiceId}/pdf?lang=en`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/pdf');
    expect(reply.headers['content-disposition']).toBe(
      `attachment; filename="invoice-${issued.body.number}.pdf"; filename*=UTF-8''invoice-${issued.body.number}.pdf`,
    );
    const { text } = await pdfContent(reply.data);
    // The contact's stored language wins over ?lang=en.
    expect(text).toContain('Rechnung');
    expect(text).toContain('Kälte Service GmbH');
    expect(text).toContain(issued.body.number);
    expect(text).toContain(ticketNumber);
    expect(text).toContain('Druckschalter getauscht');
    expect(text).toContain('Pressure switch (PS-100)');
    const total = new Intl.NumberFormat('de-DE', { style: 'currency', currency: issued.body.currency }).format(issued.body.total);
    expect(text.replace(/\s/g, ' ')).toContain(total.replace(/\s/g, ' '));
    // Issued 12.03.2025 + DOCUMENTS_PAYMENT_DAYS (14).
    expect(text).toContain('Fällig am');
    expect(text).toContain('26.03.2025');
    expect(text).not.toContain('ENTWURF');
  });

  test('a customer fetches its own invoice; another customer gets a plain 404; agents see no prices', async () => {
    const { invoiceId, customerId } = await germanInvoice();
    const issued = await api.call('POST', `/api/v1/invoices/${invoiceId}/issue`);
    const own = await api.user('customer', { customerId });
    const mine = await pdf(`/api/v1/invoices/${invoiceId}/pdf`, own.auth.authorization);
    expect(mine.status).toBe(200);
    expect((await pdfContent(mine.data)).text).toContain(issued.body.number);

    const other = await seedCustomer(api);
    const stranger = await api.user('customer', { customerId: other.customerId });
    const theirs = await pdf(`/api/v1/invoices/${invoiceId}/pdf`, stranger.auth.authorization);
    expect(theirs.status).toBe(404);
    expect(JSON.parse(theirs.body)).toMatchObject({ code: 'NOT_FOUND' });
    expect(theirs.body).not.toContain(issued.body.number);

    const agent = await api.user('agent');
    expect((await pdf(`/api/v1/invoices/${invoiceId}/pdf`, agent.auth.authorization)).status).toBe(403);
  });

  test('English when no contact stores a language and ?lang= asks for nothing else', async () => {
    const { customerId } = await seedCustomer(api);
    const work = await workedTicket(api, { customerId, technicianId: technician.id, labour: [{ minutes: 60 }] });
    const draft = await api.call('POST', `/api/v1/tickets/${work.ticketId}/invoice`);
    const en = await pdfContent((await pdf(`/api/v1/invoices/${draft.body.id}/pdf`)).data);
    expect(en.text).toContain('Invoice (draft)');
    const de = await pdfContent((await pdf(`/api/v1/invoices/${draft.body.id}/pdf?lang=de`)).data);
    expect(de.text).toContain('Rechnung (Entwurf)');
  });
});

describe('act of services rendered', () => {
  test('for issued invoices: work done, hours, lines to sign; drafts are refused', async () => {
    const { invoiceId, ticketNumber } = await germanInvoice();
    const early = await pdf(`/api/v1/invoices/${invoiceId}/act/pdf`);
    expect(early.status).toBe(409);
    const issued = await api.call('POST', `/api/v1/invoices/${invoiceId}/issue`);
    const reply = await pdf(`/api/v1/invoices/${invoiceId}/act/pdf`);
    expect(reply.status).toBe(200);
    const { text } = await pdfContent(reply.data);
    expect(text).toContain('Leistungsnachweis');
    expect(text).toContain(issued.body.number);
    expect(text).toContain(ticketNumber);
    expect(text).toContain('Replaced the pressure switch');
    expect(text).toContain('1,50 h');
    expect(text).toContain('Kunde (Name, Unterschrift)');
    expect(text).toContain('Dienstleister (Name, Unterschrift)');
  });
});

describe('work order PDF', () => {
  test('technicians get the ticket, customer, site, asset, parts reserved and visits, without prices; customers get none', async () => {
    const { customerId, ticketId, ticketNumber } = await germanInvoice();
    const reply = await pdf(`/api/v1/tickets/${ticketId}/work-order/pdf`, technician.auth.authorization);
    expect(reply.status).toBe(200);
    const { text } = await pdfContent(reply.data);
    expect(text).toContain('Arbeitsauftrag');
    expect(text).toContain(ticketNumber);
    expect(text).toContain('Compressor trips');
    expect(text).toContain('A technician');
    expect(text).toMatch(/SN-/);
    expect(text).not.toMatch(/€|EUR/);
    const customer = await api.user('customer', { customerId });
    expect((await pdf(`/api/v1/tickets/${ticketId}/work-order/pdf`, customer.auth.authorization)).status).toBe(403);
  });
});

describe('sending an invoice', () => {
  test('queues one e-mail to the primary contact with the PDF stored on the ticket; the same version once', async () => {
    const { invoiceId, ticketId } = await germanInvoice();
    expect((await api.call('POST', `/api/v1/invoices/${invoiceId}/send`)).status).toBe(409);
    await api.call('POST', `/api/v1/invoices/${invoiceId}/issue`);
    const sent = await api.call('POST', `/api/v1/invoices/${invoiceId}/send`);
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ to: 'juergen@example.test', queued: true, attachmentId: expect.any(String) });
    const { rows } = await api.db.query<{ event: string; address: string; subject: string; attachment_ids: string[] }>(
      'SELECT event, address, subject, attachment_ids FROM notification_outbox WHERE ticket_id = $1 AND event = $2',
      [ticketId, 'document.invoice'],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ address: 'juergen@example.test', attachment_ids: [sent.body.attachmentId] });
    expect(rows[0]!.subject).toMatch(/^Rechnung INV-/);
    const attachment = await api.call('GET', `/api/v1/attachments/${sent.body.attachmentId}`);
    expect(attachment.body).toMatchObject({ parentType: 'ticket', parentId: ticketId, contentType: 'application/pdf' });

    const again = await api.call('POST', `/api/v1/invoices/${invoiceId}/send`);
    expect(again.body).toMatchObject({ queued: false, attachmentId: null });
    const after = await api.db.query('SELECT 1 FROM notification_outbox WHERE ticket_id = $1 AND event = $2', [ticketId, 'document.invoice']);
    expect(after.rows).toHaveLength(1);
    const dispatcher = await api.user('dispatcher');
    expect((await api.call('POST', `/api/v1/invoices/${invoiceId}/send`, undefined, dispatcher.auth)).status).toBe(403);
  });
});

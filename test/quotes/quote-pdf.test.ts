/**
 * The quote PDF: rendered with the documents' layout kit in the customer's language, carrying the
 * quote number, the lines and the total; attached to the e-mail that sends the quote; printed
 * only for the roles that see prices (an agent gets 403, another customer 404).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pdfContent } from '../harness/pdf-text.js';
import { startQuotesWorld, type QuotesWorld } from './quotes-fixture.js';

let world: QuotesWorld;

beforeAll(async () => {
  world = await startQuotesWorld();
  expect((await world.call('POST', '/api/v1/parts', { sku: 'SEAL-MS-45-CSIC', description: 'Mechanical seal', unitPrice: 300, unitCost: 180 })).status).toBe(
    201,
  );
  expect((await world.call('PUT', '/api/v1/labour-rates/mechanical', { hourlyRate: 90 })).status).toBe(200);
});
afterAll(async () => {
  await world?.close();
});

async function sentQuote(language: string) {
  const { customerId, assetId } = await world.customer(language);
  const ticket = await world.diagnosedTicket(assetId);
  const quote = await world.call('POST', `/api/v1/tickets/${ticket.id}/quotes`, {
    lines: [
      { kind: 'labour', hours: 2, skill: 'mechanical', description: 'Replace the seal' },
      { kind: 'parts', sku: 'SEAL-MS-45-CSIC', quantity: 1 },
    ],
    note: 'Spare seal kept on site',
  });
  expect(quote.status, JSON.stringify(quote.body)).toBe(201);
  const sent = await world.call('POST', `/api/v1/quotes/${quote.body.id}/send`);
  expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  return { customerId, ticket, quote: sent.body };
}

describe('the quote PDF', () => {
  test("in the customer's language, with the quote number, the lines and the total; attached to the sending e-mail", async () => {
    const { ticket, quote } = await sentQuote('de');
    expect(quote.total).toBe(480); // 2 h × 90 + 300
    const pdf = await world.call('GET', `/api/v1/quotes/${quote.id}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const { text } = await pdfContent(pdf.raw);
    expect(text).toContain('Kostenvoranschlag');
    expect(text).toContain(quote.number);
    expect(text).toContain('Replace the seal');
    expect(text).toContain('480,00 €');
    expect(text).toContain('Spare seal kept on site');

    const outbox = await world.db.query<{ attachment_ids: string[] }>('SELECT attachment_ids FROM notification_outbox WHERE ticket_id = $1 AND event = $2', [
      ticket.id,
      'quote.sent',
    ]);
    expect(outbox.rows).toHaveLength(1);
    const [attachmentId] = outbox.rows[0]!.attachment_ids;
    const stored = await world.call('GET', `/api/v1/attachments/${attachmentId}/content`);
    expect(stored.status).toBe(200);
    expect(stored.headers['content-type']).toBe('application/pdf');
    const attached = await pdfContent(stored.raw);
    expect(attached.text).toContain(quote.number);
    expect(attached.text).toContain('480,00 €');

    // The stored copy prints prices: an agent (who sees no prices) neither lists nor fetches it.
    const agent = await world.user('agent');
    const listed = async (auth?: Record<string, string>) =>
      ((await world.call('GET', `/api/v1/tickets/${ticket.id}/attachments`, undefined, auth)).body.items as { id: string }[]).map((a) => a.id);
    expect(await listed()).toContain(attachmentId);
    expect(await listed(agent.auth)).not.toContain(attachmentId);
    expect((await world.call('GET', `/api/v1/attachments/${attachmentId}/content`, undefined, agent.auth)).status).toBe(404);
    expect((await world.call('GET', `/api/v1/attachments/${attachmentId}`, undefined, agent.auth)).status).toBe(404);
  });

  test('English for an English contact; the customer reads its own, an agent and another customer do not', async () => {
    const { customerId, quote } = await sentQuote('en');
    const mine = await world.user('customer', customerId);
    const other = await world.user('customer', (await world.customer()).customerId);
    const agent = await world.user('agent');
    const pdf = await world.call('GET', `/api/v1/quotes/${quote.id}/pdf`, undefined, mine.auth);
    expect(pdf.status).toBe(200);
    const { text } = await pdfContent(pdf.raw);
    expect(text).toContain(`Quote ${quote.number}`);
    expect(text).toContain('€480.00');
    expect((await world.call('GET', `/api/v1/quotes/${quote.id}/pdf`, undefined, other.auth)).status).toBe(404);
    expect((await world.call('GET', `/api/v1/quotes/${quote.id}/pdf`, undefined, agent.auth)).status).toBe(403);
  });
});

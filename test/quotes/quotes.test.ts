/**
 * Quotes: drafted from a diagnosed ticket and priced as an invoice is (labour rate of the skill,
 * catalogue parts, travel, the contract's coverage), sent to the customer (outbox e-mail, ticket
 * held awaiting_quote, quote.sent event), accepted in the portal (own quotes only) or recorded by an
 * agent on the phone (who, when, on whose behalf), refused once expired, declined with an
 * activity, and charged on the ticket's invoice. The front desk never receives an amount.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { START, startQuotesWorld, type QuotesWorld } from './quotes-fixture.js';

let world: QuotesWorld;
let technicianId: string;

/** Seal leak on the CP80: 4 h mechanical, seal 300, O-ring kit 20, gasket 15; travel flat 45. */
const PRICES = [
  { sku: 'SEAL-MS-45-CSIC', description: 'Mechanical seal', unitPrice: 300, unitCost: 180 },
  { sku: 'ORK-CP80', description: 'O-ring kit', unitPrice: 20, unitCost: 8 },
  { sku: 'GSK-CP80-CASE', description: 'Casing gasket', unitPrice: 15, unitCost: 5 },
];

beforeAll(async () => {
  world = await startQuotesWorld();
  for (const part of PRICES) expect((await world.call('POST', '/api/v1/parts', part)).status).toBe(201);
  expect((await world.call('PUT', '/api/v1/labour-rates/mechanical', { hourlyRate: 90 })).status).toBe(200);
  technicianId = (await world.user('technician')).id;
});
afterAll(async () => {
  await world?.close();
});
beforeEach(() => world.clock.set(START));

/** A customer whose pump is covered 50 % labour, 20 % parts; a diagnosed ticket on it. */
async function coveredTicket(language = 'en') {
  const { customerId, assetId } = await world.customer(language);
  const contract = await world.call('POST', '/api/v1/contracts', {
    customerId,
    name: 'Pump care',
    startsOn: '2025-01-01',
    assetIds: [assetId],
    coverage: { labourPercent: 50, partsPercent: 20, travelIncluded: false },
    currency: 'EUR',
  });
  expect(contract.status, JSON.stringify(contract.body)).toBe(201);
  const ticket = await world.diagnosedTicket(assetId);
  return { customerId, assetId, contract: contract.body as { id: string; number: string }, ticket };
}

async function draft(ticketId: string, body?: unknown, auth?: Record<string, string>) {
  const reply = await world.call('POST', `/api/v1/tickets/${ticketId}/quotes`, body, auth);
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

async function sent(ticketId: string, auth?: Record<string, string>) {
  const quote = await draft(ticketId, undefined, auth);
  const reply = await world.call('POST', `/api/v1/quotes/${quote.id}/send`, undefined, auth);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

const ticketOf = async (id: string) => (await world.call('GET', `/api/v1/tickets/${id}`)).body;

describe('drafting', () => {
  test("defaults from the diagnosis, priced by the skill's rate, the catalogue and the contract's coverage", async () => {
    const { ticket, contract } = await coveredTicket();
    const quote = await draft(ticket.id);
    expect(quote).toMatchObject({
      number: expect.stringMatching(/^QUO-2025-\d{6}$/),
      status: 'draft',
      ticketId: ticket.id,
      ticketNumber: ticket.number,
      contractId: contract.id,
      currency: 'EUR',
      validUntil: '2025-04-09', // 2025-03-10 + 30 days
      subtotal: 740, // 45 travel + 4 h × 90 + 335 parts
      coveredAmount: 247, // 50 % of 360 + 20 % of 335
      total: 493,
      warnings: [],
    });
    expect(quote.lines.map((l: { kind: string; amount: number }) => [l.kind, l.amount])).toEqual([
      ['travel', 45],
      ['labour', 360],
      ['parts', 300],
      ['parts', 20],
      ['parts', 15],
      ['coverage', -180],
      ['coverage', -67],
    ]);
    expect(quote.lines[1]).toMatchObject({ quantity: 4, unitPrice: 90, skill: 'mechanical', minutes: 240 });
    expect(quote.lines[5].description).toBe(`Contract ${contract.number}: 50 % of labour`);
    expect(quote.estimate).toEqual([
      { kind: 'labour', hours: 4, skill: 'mechanical', description: 'Mechanical seal leaking' },
      { kind: 'parts', sku: 'SEAL-MS-45-CSIC', quantity: 1, description: 'Mechanical seal 45 mm, carbon/SiC faces, EPDM elastomers' },
      { kind: 'parts', sku: 'ORK-CP80', quantity: 1, description: 'O-ring kit for CP80 casing and cover' },
      { kind: 'parts', sku: 'GSK-CP80-CASE', quantity: 1, description: 'Casing gasket CP80' },
      { kind: 'travel' },
    ]);
    const audit = await world.db.query<{ action: string }>(`SELECT action FROM audit_log WHERE entity = 'quote' AND entity_id = $1`, [quote.id]);
    expect(audit.rows.map((r) => r.action)).toEqual(['create']);
  });

  test('lines given in the body; a draft is changed and priced again; a sent one is not', async () => {
    const { ticket } = await coveredTicket();
    const quote = await draft(ticket.id, { lines: [{ kind: 'labour', hours: 2, skill: 'mechanical' }], validUntil: '2025-03-20', note: 'Two hours' });
    expect(quote).toMatchObject({ subtotal: 180, coveredAmount: 90, total: 90, validUntil: '2025-03-20', note: 'Two hours' });
    const patched = await world.call(
      'PATCH',
      `/api/v1/quotes/${quote.id}`,
      { lines: [{ kind: 'parts', sku: 'ORK-CP80', quantity: 2, unitPrice: 25 }] },
      { 'if-match': `"${quote.version}"` },
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ subtotal: 50, coveredAmount: 10, total: 40 });
    const stale = await world.call('PATCH', `/api/v1/quotes/${quote.id}`, { note: 'x' }, { 'if-match': `"${quote.version}"` });
    expect(stale.status).toBe(412);
    expect((await world.call('PATCH', `/api/v1/quotes/${quote.id}`, { validUntil: '2025-03-01' })).status).toBe(400);
    expect((await world.call('POST', `/api/v1/quotes/${quote.id}/send`)).status).toBe(200);
    const late = await world.call('PATCH', `/api/v1/quotes/${quote.id}`, { note: 'too late' });
    expect(late.status).toBe(409);
    expect(late.body.detail).toContain('only drafts are changed');
  });
});

describe('sending and deciding', () => {
  test('send: the contact is e-mailed through the outbox, the ticket waits on hold, quote.sent is published', async () => {
    const { ticket } = await coveredTicket('de');
    const quote = await sent(ticket.id);
    expect(quote).toMatchObject({ status: 'sent', sentAt: '2025-03-10T08:00:00.000Z', ticketHeld: true });
    expect(await ticketOf(ticket.id)).toMatchObject({ status: 'on_hold', holdReason: 'awaiting_quote' });
    const outbox = await world.db.query<{ event: string; channel: string; subject: string; body: string; language: string }>(
      'SELECT event, channel, subject, body, language FROM notification_outbox WHERE ticket_id = $1 AND event = $2',
      [ticket.id, 'quote.sent'],
    );
    expect(outbox.rows).toHaveLength(1);
    expect(outbox.rows[0]).toMatchObject({ channel: 'email', language: 'de', subject: `Ihr Kostenvoranschlag ${quote.number} zu ${ticket.number}` });
    expect(outbox.rows[0]!.body).toContain('2025-04-09');
    await expect
      .poll(() => world.events.find((e) => e.type === 'quote.sent' && e.quote?.id === quote.id))
      .toMatchObject({
        ticketId: ticket.id,
        quote: { number: quote.number, status: 'sent' },
      });
    const history = await world.call('GET', `/api/v1/tickets/${ticket.id}/history`);
    expect(history.body.entries.at(-1)).toMatchObject({ from: 'new', to: 'on_hold', reason: `Awaiting approval of quote ${quote.number}` });
  });

  test('the customer accepts in the portal: the ticket proceeds; another customer gets 404', async () => {
    const { customerId, ticket } = await coveredTicket();
    const mine = await world.user('customer', customerId);
    const other = await world.user('customer', (await world.customer()).customerId);
    const draftOnly = await draft(ticket.id);
    expect((await world.call('GET', `/api/v1/quotes/${draftOnly.id}`, undefined, mine.auth)).status).toBe(404); // drafts are internal
    expect((await world.call('POST', `/api/v1/quotes/${draftOnly.id}/withdraw`, { reason: 'redo' })).status).toBe(200);
    const quote = await sent(ticket.id);

    for (const [method, url] of [
      ['GET', `/api/v1/quotes/${quote.id}`],
      ['POST', `/api/v1/quotes/${quote.id}/accept`],
      ['POST', `/api/v1/quotes/${quote.id}/decline`],
      ['GET', `/api/v1/quotes/${quote.id}/history`],
    ] as const) {
      const reply = await world.call(method, url, method === 'POST' ? {} : undefined, other.auth);
      expect(reply.status, `${method} ${url}`).toBe(404);
    }
    expect((await world.call('GET', '/api/v1/quotes', undefined, other.auth)).body.items).toEqual([]);
    expect((await world.call('GET', `/api/v1/quotes?customerId=${customerId}`, undefined, other.auth)).body.items).toEqual([]);

    const seen = await world.call('GET', `/api/v1/quotes?ticketId=${ticket.id}`, undefined, mine.auth);
    expect(seen.body.items.map((q: { id: string }) => q.id).sort()).toEqual([draftOnly.id, quote.id].sort()); // withdrawn and sent
    expect(seen.body.items.find((q: { id: string }) => q.id === quote.id)).toMatchObject({ total: 493, currency: 'EUR' });
    expect(seen.body.items[0]).not.toHaveProperty('warnings');

    world.clock.advance(3_600_000);
    const accepted = await world.call('POST', `/api/v1/quotes/${quote.id}/accept`, {}, mine.auth);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body).toMatchObject({
      status: 'accepted',
      total: 493,
      decision: { at: '2025-03-10T09:00:00.000Z', by: { type: 'user', id: mine.id }, channel: 'portal', onBehalfOf: null },
    });
    expect(await ticketOf(ticket.id)).toMatchObject({ status: 'new', holdReason: null });
    const again = await world.call('POST', `/api/v1/quotes/${quote.id}/accept`, {}, mine.auth);
    expect(again.status).toBe(409);
    const history = await world.call('GET', `/api/v1/quotes/${quote.id}/history`, undefined, mine.auth);
    expect(history.body.entries.map((e: { from: string | null; to: string }) => [e.from, e.to])).toEqual([
      [null, 'draft'],
      ['draft', 'sent'],
      ['sent', 'accepted'],
    ]);
    expect(history.body.entries[2]).toMatchObject({ channel: 'portal', actor: { type: 'user', id: mine.id } });
    await expect.poll(() => world.events.find((e) => e.type === 'quote.accepted' && e.quote?.id === quote.id)).toBeTruthy();
  });

  test('an agent records a phone acceptance (who, when, for whom) and never receives an amount', async () => {
    const { ticket } = await coveredTicket();
    const agent = await world.user('agent');
    expect((await world.call('POST', `/api/v1/tickets/${ticket.id}/assignment`, { technicianId })).status).toBe(200);
    const created = await draft(ticket.id, undefined, agent.auth);
    const quote = await sent(ticket.id, agent.auth);
    expect(await ticketOf(ticket.id)).toMatchObject({ status: 'on_hold', holdReason: 'awaiting_quote' });
    const noName = await world.call('POST', `/api/v1/quotes/${quote.id}/accept`, {}, agent.auth);
    expect(noName.status).toBe(400);
    expect(noName.body.fields).toEqual([expect.objectContaining({ field: 'body.onBehalfOf' })]);
    const accepted = await world.call('POST', `/api/v1/quotes/${quote.id}/accept`, { onBehalfOf: 'Ms Meyer' }, agent.auth);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body.decision).toEqual({
      at: '2025-03-10T08:00:00.000Z',
      by: { type: 'user', id: agent.id, name: 'A agent' },
      channel: 'phone',
      onBehalfOf: 'Ms Meyer',
      reason: null,
    });
    expect(await ticketOf(ticket.id)).toMatchObject({ status: 'assigned', holdReason: null });

    const AMOUNTS = ['currency', 'subtotal', 'coveredAmount', 'total'];
    const readByAgent = [
      created,
      quote,
      accepted.body,
      (await world.call('GET', `/api/v1/quotes/${quote.id}`, undefined, agent.auth)).body,
      ...(await world.call('GET', `/api/v1/quotes?ticketId=${ticket.id}`, undefined, agent.auth)).body.items,
    ];
    for (const body of readByAgent) {
      for (const key of AMOUNTS) expect(body).not.toHaveProperty(key);
      expect(body.lines.length).toBeGreaterThan(0);
      for (const line of body.lines) {
        expect(line).not.toHaveProperty('unitPrice');
        expect(line).not.toHaveProperty('amount');
      }
    }
    const admin = (await world.call('GET', `/api/v1/quotes/${quote.id}`)).body;
    expect(admin).toMatchObject({ total: 493, currency: 'EUR' });
    expect(admin.lines[0]).toMatchObject({ unitPrice: 45, amount: 45 });
    const audit = await world.db.query<{ action: string; actor_id: string; changes: Record<string, unknown> }>(
      `SELECT action, actor_id, changes FROM audit_log WHERE entity = 'quote' AND entity_id = $1 ORDER BY id`,
      [quote.id],
    );
    expect(audit.rows.map((r) => [r.action, r.actor_id])).toEqual([
      ['create', agent.id],
      ['send', agent.id],
      ['accept', agent.id],
    ]);
    expect(audit.rows[2]!.changes).toMatchObject({ channel: 'phone', onBehalfOf: 'Ms Meyer', ticketResumed: true });
  });

  test('a quote past its validUntil reads expired and cannot be accepted', async () => {
    const { customerId, ticket } = await coveredTicket();
    const mine = await world.user('customer', customerId);
    const quote = await sent(ticket.id);
    world.clock.set('2025-04-09T23:00:00.000Z'); // the last valid day
    expect((await world.call('GET', `/api/v1/quotes/${quote.id}`)).body.status).toBe('sent');
    world.clock.set('2025-04-10T00:30:00.000Z');
    expect((await world.call('GET', `/api/v1/quotes/${quote.id}`, undefined, mine.auth)).body.status).toBe('expired');
    const refused = await world.call('POST', `/api/v1/quotes/${quote.id}/accept`, {}, mine.auth);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'CONFLICT', quoteStatus: 'expired', validUntil: '2025-04-09' });
    expect(refused.body.detail).toBe(`Quote ${quote.number} has expired: it was valid until 2025-04-09 and can no longer be accepted; ask for a new quote`);
    const expired = await world.call('GET', `/api/v1/quotes?status=expired&ticketId=${ticket.id}`);
    expect(expired.body.items.map((q: { id: string }) => q.id)).toEqual([quote.id]);
    expect((await world.call('GET', `/api/v1/quotes?status=sent&ticketId=${ticket.id}`)).body.items).toEqual([]);
    const history = await world.call('GET', `/api/v1/quotes/${quote.id}/history`);
    expect(history.body.entries.at(-1)).toMatchObject({ from: 'sent', to: 'expired', at: '2025-04-10T00:00:00.000Z' });
    expect(await ticketOf(ticket.id)).toMatchObject({ status: 'on_hold', holdReason: 'awaiting_quote' });
  });

  test('declining keeps the ticket on hold and records an activity', async () => {
    const { customerId, ticket } = await coveredTicket();
    const mine = await world.user('customer', customerId);
    const quote = await sent(ticket.id);
    const declined = await world.call('POST', `/api/v1/quotes/${quote.id}/decline`, { reason: 'Too expensive' }, mine.auth);
    expect(declined.status, JSON.stringify(declined.body)).toBe(200);
    expect(declined.body).toMatchObject({ status: 'declined', decision: { channel: 'portal', reason: 'Too expensive' } });
    expect(await ticketOf(ticket.id)).toMatchObject({ status: 'on_hold', holdReason: 'awaiting_quote' });
    const activities = await world.call('GET', `/api/v1/activities?ticketId=${ticket.id}`);
    expect(activities.body.items).toEqual([
      expect.objectContaining({ subject: `Quote ${quote.number} declined`, body: 'Too expensive', direction: 'inbound' }),
    ]);
    await expect.poll(() => world.events.find((e) => e.type === 'quote.declined' && e.quote?.id === quote.id)).toBeTruthy();
  });
});

describe('the invoice of a ticket with an accepted quote', () => {
  test("charges the quote's lines, not the recorded work", async () => {
    const { ticket } = await coveredTicket();
    expect((await world.call('POST', `/api/v1/tickets/${ticket.id}/assignment`, { technicianId })).status).toBe(200);
    const quote = await sent(ticket.id);
    expect((await world.call('POST', `/api/v1/quotes/${quote.id}/accept`, { onBehalfOf: 'Ms Meyer' })).status).toBe(200);
    const visit = await world.call('POST', `/api/v1/tickets/${ticket.id}/visits`, {
      technicianId,
      plannedStart: '2025-03-11T08:00:00Z',
      plannedEnd: '2025-03-11T14:00:00Z',
    });
    expect(visit.status, JSON.stringify(visit.body)).toBe(201);
    expect((await world.call('PATCH', `/api/v1/visits/${visit.body.id}`, { actualStart: '2025-03-11T08:00:00Z' })).status).toBe(200);
    // Recorded work differs from the quote: 6 h and two seals.
    expect((await world.call('POST', `/api/v1/visits/${visit.body.id}/labour`, { minutes: 360, skill: 'mechanical' })).status).toBe(201);
    expect((await world.call('POST', `/api/v1/visits/${visit.body.id}/parts`, { sku: 'SEAL-MS-45-CSIC', quantity: 2 })).status).toBe(201);
    const closed = await world.call('POST', `/api/v1/visits/${visit.body.id}/close`, {
      outcome: 'fixed',
      actualEnd: '2025-03-11T14:00:00Z',
      resolutionNotes: 'Replaced the seal',
      acceptance: { name: 'Ms Meyer', confirmation: 'Pump runs dry-free' },
    });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    const invoice = await world.call('POST', `/api/v1/tickets/${ticket.id}/invoice`);
    expect(invoice.status, JSON.stringify(invoice.body)).toBe(201);
    expect(invoice.body).toMatchObject({ subtotal: 740, coveredAmount: 247, total: 493, prepaidMinutes: 0 });
    const strip = (l: { kind: string; description: string; quantity: number; unitPrice: number; amount: number }) => [
      l.kind,
      l.description,
      l.quantity,
      l.unitPrice,
      l.amount,
    ];
    expect(invoice.body.lines.map(strip)).toEqual(quote.lines.map(strip));
    expect(invoice.body.warnings).toContain(`Charged as accepted quote ${quote.number} (accepted 2025-03-10T08:00:00.000Z): the recorded work is not priced`);
    const issued = await world.call('POST', `/api/v1/invoices/${invoice.body.id}/issue`);
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    expect(issued.body.total).toBe(493);
  });
});

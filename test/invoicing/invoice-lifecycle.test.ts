/**
 * Invoice lifecycle on a real database: draft → issued → paid / void, gap-free numbering, the
 * same work never invoiced twice (concurrent drafts and issues → one), void then re-invoice,
 * audit rows, the ERP export (CSV and JSON), and who sees what.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditTrail } from '../../src/access/audit/audit.service.js';
import { CSV_COLUMNS } from '../../src/service/invoicing/invoice-export.js';
import { seedCustomer, startServiceApi, type ServiceApi } from '../service/service-fixture.js';
import { put, workedTicket } from './invoicing-fixture.js';
import { parseCsv } from '../harness/csv.js';

let api: ServiceApi;
let technician: { id: string; auth: { authorization: string } };
beforeAll(async () => {
  api = await startServiceApi('2025-03-12T09:00:00.000Z');
  technician = await api.user('technician');
});
afterAll(async () => {
  await api?.close();
});

const draft = (ticketId: string, headers?: Record<string, string>) => api.call('POST', `/api/v1/tickets/${ticketId}/invoice`, undefined, headers);
const act = (id: string, action: string, body?: unknown, headers?: Record<string, string>) =>
  api.call('POST', `/api/v1/invoices/${id}/${action}`, body, headers);

describe('invoice lifecycle', () => {
  test('a ticket that is not resolved is not invoiced', async () => {
    const { customerId } = await seedCustomer(api);
    const open = await workedTicket(api, { customerId, technicianId: technician.id, labour: [{ minutes: 30 }], close: false });
    const reply = await draft(open.ticketId);
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ code: 'CONFLICT', ticketStatus: 'assigned' });
  });

  test('concurrent drafts and issues of the same work: exactly one succeeds; numbers are gap-free', async () => {
    const { customerId } = await seedCustomer(api);
    const { ticketId } = await workedTicket(api, { customerId, technicianId: technician.id, labour: [{ minutes: 60 }] });
    const drafts = await Promise.all([draft(ticketId), draft(ticketId), draft(ticketId)]);
    expect(drafts.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(drafts.filter((r) => r.status === 409).every((r) => r.body.code === 'ALREADY_INVOICED')).toBe(true);
    const invoiceId = drafts.find((r) => r.status === 201)!.body.id as string;

    const issues = await Promise.all([act(invoiceId, 'issue'), act(invoiceId, 'issue'), act(invoiceId, 'issue')]);
    expect(issues.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect(issues.filter((r) => r.status === 409).every((r) => r.body.code === 'ALREADY_INVOICED')).toBe(true);
    const issued = issues.find((r) => r.status === 200)!.body;
    expect(issued).toMatchObject({ status: 'issued', number: expect.stringMatching(/^INV-2025-\d{6}$/), issuedAt: api.clock.now().toISOString() });
    // The database holds one non-void invoice for the ticket, whatever the route.
    const { rows } = await api.db.query<{ n: number }>("SELECT count(*)::int AS n FROM invoices WHERE ticket_id = $1 AND status <> 'void'", [ticketId]);
    expect(rows[0]!.n).toBe(1);
    await expect(
      api.db.query(
        "INSERT INTO invoices (ticket_id, customer_id, status, currency, created_by_type, created_by_id, created_at, updated_at) VALUES ($1, $2, 'draft', 'EUR', 'system', 't', now(), now())",
        [ticketId, customerId],
      ),
    ).rejects.toThrow(/invoices_open_ticket_idx/);

    // Two more issued invoices: consecutive numbers, no gap from the refused attempts.
    const numbers = [issued.number as string];
    for (let i = 0; i < 2; i++) {
      const next = await workedTicket(api, { customerId, technicianId: technician.id, labour: [{ minutes: 15 }] });
      numbers.push((await act((await draft(next.ticketId)).body.id, 'issue')).body.number);
    }
    const sequence = numbers.map((n) => Number(n.slice(-6)));
    expect(sequence).toEqual([sequence[0], sequence[0]! + 1, sequence[0]! + 2]);
  });

  test('draft → void; issued → paid; paid cannot be voided or paid again; void then re-invoice; stale If-Match; audit', async () => {
    const { customerId } = await seedCustomer(api);
    const { ticketId } = await workedTicket(api, { customerId, technicianId: technician.id, labour: [{ minutes: 60 }] });
    const first = (await draft(ticketId)).body;
    expect((await act(first.id, 'pay', {})).status).toBe(409);
    expect((await act(first.id, 'void', { reason: 'x' })).status).toBe(400);
    const voided = await act(first.id, 'void', { reason: 'drafted too early' });
    expect(voided.body).toMatchObject({ status: 'void', number: null, voidReason: 'drafted too early', voidedAt: expect.any(String) });
    expect((await act(first.id, 'issue')).status).toBe(409);

    const second = await draft(ticketId);
    expect(second.status).toBe(201);
    expect((await act(second.body.id, 'issue', undefined, { 'if-match': '"999"' })).status).toBe(412);
    const issued = await act(second.body.id, 'issue', undefined, { 'if-match': second.headers.etag as string });
    expect(issued.status).toBe(200);
    expect((await draft(ticketId)).body).toMatchObject({ code: 'ALREADY_INVOICED', invoiceId: second.body.id, invoiceNumber: issued.body.number });
    expect((await act(second.body.id, 'recompute')).status).toBe(409);
    expect((await act(second.body.id, 'pay', { paidAt: '2025-03-01T00:00:00Z' })).status).toBe(400);
    const paid = await act(second.body.id, 'pay', { reference: 'BANK-4711' });
    expect(paid.body).toMatchObject({ status: 'paid', paymentReference: 'BANK-4711', paidAt: api.clock.now().toISOString(), number: issued.body.number });
    expect((await act(second.body.id, 'pay', {})).status).toBe(409);
    expect((await act(second.body.id, 'void', { reason: 'customer complained' })).status).toBe(409);

    const audit = await auditTrail(api.db, 'invoice', second.body.id);
    expect(audit.map((a) => a.action)).toEqual(['create', 'issue', 'paid']);
    expect(audit[1]!.changes).toMatchObject({ number: issued.body.number, total: 130 });
    expect((await auditTrail(api.db, 'invoice', first.id)).map((a) => a.action)).toEqual(['create', 'void']);

    // An issued invoice voided frees the ticket: a new draft, then a new number.
    const { ticketId: other } = await workedTicket(api, { customerId, technicianId: technician.id, labour: [{ minutes: 30 }] });
    const wrong = (await act((await draft(other)).body.id, 'issue')).body;
    expect((await act(wrong.id, 'void', { reason: 'wrong customer reference' })).body).toMatchObject({ status: 'void', number: wrong.number });
    const redo = (await act((await draft(other)).body.id, 'issue')).body;
    expect(redo.number).not.toBe(wrong.number);
    expect(redo.total).toBe(wrong.total);
  });

  test('recompute picks up work recorded on the resolved ticket and rate changes', async () => {
    const { customerId } = await seedCustomer(api);
    const { ticketId, visitId } = await workedTicket(api, { customerId, technicianId: technician.id, labour: [{ minutes: 60, skill: 'hydraulics' }] });
    const first = (await draft(ticketId)).body;
    expect(first.total).toBe(45 + 85);
    await api.call('POST', `/api/v1/visits/${visitId}/parts`, { sku: 'SEAL-3', quantity: 4, unitPrice: 2.5 });
    expect((await put(api, '/api/v1/labour-rates/hydraulics', { hourlyRate: 100 })).body).toMatchObject({
      skill: 'hydraulics',
      hourlyRate: 100,
      overtimeMultiplier: 1.5,
    });
    expect((await put(api, '/api/v1/labour-rates/hydraulics', { hourlyRate: 100 }, technician.auth.authorization)).status).toBe(403);
    const recomputed = await act(first.id, 'recompute');
    expect(recomputed.status).toBe(200);
    expect(recomputed.body.total).toBe(45 + 100 + 10);
    expect(recomputed.body.version).toBeGreaterThan(first.version);
  });

  test('ERP export: CSV with a header, one row per line, RFC 4180 quoting, formula guard; JSON; range and truncation', async () => {
    const customer = await api.call('POST', '/api/v1/customers', { name: '=Acme, "Cold" Stores' });
    const { ticketId } = await workedTicket(api, {
      customerId: customer.body.id,
      technicianId: technician.id,
      labour: [{ minutes: 45 }],
      parts: [{ sku: 'VALVE-9', quantity: 1, unitPrice: 30, description: 'Valve, 1/2" brass' }],
    });
    api.clock.set('2025-04-02T10:00:00Z');
    const invoice = (await act((await draft(ticketId)).body.id, 'issue')).body;
    expect(invoice.issuedAt).toBe('2025-04-02T10:00:00.000Z');

    const csv = await api.call('GET', '/api/v1/invoices/export?format=csv&status=issued&from=2025-04-01&to=2025-04-30');
    expect(csv.status).toBe(200);
    expect(String(csv.headers['content-type'])).toContain('text/csv');
    expect(csv.body.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv.body);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const mine = rows.slice(1).filter((r) => r[CSV_COLUMNS.indexOf('invoice_id')] === invoice.id);
    expect(mine).toHaveLength(invoice.lines.length);
    expect(rows.slice(1).every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
    const col = (row: string[], name: (typeof CSV_COLUMNS)[number]) => row[CSV_COLUMNS.indexOf(name)];
    expect(mine.map((r) => [col(r, 'line_kind'), col(r, 'quantity'), col(r, 'unit_price'), col(r, 'amount')])).toEqual([
      ['travel', '1.000', '45.00', '45.00'],
      ['labour', '0.750', '85.00', '63.75'],
      ['parts', '1.000', '30.00', '30.00'],
    ]);
    expect(col(mine[2]!, 'description')).toBe('VALVE-9 Valve, 1/2" brass');
    expect(col(mine[0]!, 'customer_name')).toBe(`'=Acme, "Cold" Stores`);
    expect(col(mine[0]!, 'invoice_total')).toBe('138.75');
    expect(col(mine[0]!, 'invoice_number')).toBe(invoice.number);
    // The raw text quotes the fields with a comma or a quote, doubling the quotes.
    expect(csv.body).toContain('"VALVE-9 Valve, 1/2"" brass"');
    expect(csv.body).toContain(`"'=Acme, ""Cold"" Stores"`);

    const before = await api.call('GET', '/api/v1/invoices/export?format=csv&status=issued&to=2025-03-31');
    expect(parseCsv(before.body).some((r) => r.includes(invoice.id))).toBe(false);
    const json = await api.call('GET', '/api/v1/invoices/export?format=json&from=2025-04-02T00:00:00Z');
    expect(json.body.truncated).toBe(false);
    expect(json.body.items.map((i: { id: string }) => i.id)).toEqual([invoice.id]);
    expect(json.body.items[0].lines).toHaveLength(3);
    const limited = await api.call('GET', '/api/v1/invoices/export?format=json&limit=1');
    expect(limited.body).toMatchObject({ truncated: true });
    expect(limited.headers['x-export-truncated']).toBe('true');
    expect((await api.call('GET', '/api/v1/invoices/export?format=xml')).status).toBe(400);
    expect((await api.call('GET', '/api/v1/invoices/export?from=2025-04-02&to=2025-04-01')).status).toBe(400);
  });

  test('roles: agents see no money, customers only their own issued invoices without our costs, technicians none', async () => {
    const mine = await seedCustomer(api);
    const theirs = await seedCustomer(api);
    const customer = await api.user('customer', { customerId: mine.customerId });
    const agent = await api.user('agent');
    const issuedTicket = await workedTicket(api, { customerId: mine.customerId, technicianId: technician.id, labour: [{ minutes: 30 }] });
    const issued = (await act((await draft(issuedTicket.ticketId)).body.id, 'issue')).body;
    const draftTicket = await workedTicket(api, { customerId: mine.customerId, technicianId: technician.id, labour: [{ minutes: 30 }] });
    const drafted = (await draft(draftTicket.ticketId)).body;
    const foreignTicket = await workedTicket(api, { customerId: theirs.customerId, technicianId: technician.id, labour: [{ minutes: 30 }] });
    const foreign = (await act((await draft(foreignTicket.ticketId)).body.id, 'issue')).body;

    const asCustomer = await api.call('GET', `/api/v1/invoices/${issued.id}`, undefined, customer.auth);
    expect(asCustomer.status).toBe(200);
    expect(asCustomer.body).toMatchObject({ total: issued.total, number: issued.number });
    expect(asCustomer.body.costTotal).toBeUndefined();
    expect(asCustomer.body.warnings).toBeUndefined();
    expect(asCustomer.body.lines[0].cost).toBeUndefined();
    expect(asCustomer.body.lines[0].amount).toBe(45);
    expect((await api.call('GET', `/api/v1/invoices/${drafted.id}`, undefined, customer.auth)).status).toBe(404);
    expect((await api.call('GET', `/api/v1/invoices/${foreign.id}`, undefined, customer.auth)).status).toBe(404);
    const list = await api.call('GET', '/api/v1/invoices', undefined, customer.auth);
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([issued.id]);
    expect((await api.call('GET', '/api/v1/invoices/export', undefined, customer.auth)).status).toBe(403);

    const asAgent = await api.call('GET', `/api/v1/invoices/${issued.id}`, undefined, agent.auth);
    expect(asAgent.status).toBe(200);
    expect(asAgent.body.number).toBe(issued.number);
    for (const field of ['total', 'subtotal', 'coveredAmount', 'costTotal']) expect(asAgent.body[field]).toBeUndefined();
    expect(asAgent.body.lines[0].amount).toBeUndefined();
    expect(asAgent.body.lines[0].description).toBe(issued.lines[0].description);
    expect((await draft(draftTicket.ticketId, agent.auth)).status).toBe(403);
    expect((await api.call('GET', `/api/v1/invoices/${issued.id}`, undefined, technician.auth)).status).toBe(403);
    expect((await act(drafted.id, 'issue', undefined, technician.auth)).status).toBe(403);
  });
});

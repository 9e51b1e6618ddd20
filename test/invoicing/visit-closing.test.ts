/**
 * Closing visits on a real database: acceptance validation (signature format and size limit,
 * typed confirmation), the first-time-fix flag (computed, overridden with a reason), the ticket
 * resolved through the workflow, closing once, technicians' own visits, knowledge-base proposals.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditTrail } from '../../src/access/audit/audit.service.js';
import type { TicketEventInput } from '../../src/service/delivery/ticket-events.js';
import type { NotificationRequest, NotifierPort } from '../../src/service/notifications/notification.port.js';
import { closeVisitBody, SIGNATURE_MAX_BYTES } from '../../src/service/visits/visit-closing.schemas.js';
import { VisitClosingService } from '../../src/service/visits/visit-closing.service.js';
import { fieldsOf, seedCustomer, startServiceApi, type ServiceApi } from '../service/service-fixture.js';
import { PNG_SIGNATURE } from './invoicing-fixture.js';
import { TicketsService } from '../../src/service/tickets/tickets.service.js';
import { VisitsService } from '../../src/service/visits/visits.service.js';
import { StockService } from '../../src/service/stock/stock.service.js';

let api: ServiceApi;
let technician: { id: string; auth: { authorization: string } };
beforeAll(async () => {
  api = await startServiceApi('2025-03-12T09:00:00.000Z');
  technician = await api.user('technician');
});
afterAll(async () => {
  await api?.close();
});

/** A PNG-looking image of `bytes` bytes (valid signature and IHDR, padded). */
function pngOfSize(bytes: number, size = { width: 300, height: 100 }): string {
  const buffer = Buffer.alloc(bytes);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).copy(buffer, 0);
  buffer.write('IHDR', 12, 'latin1');
  buffer.writeUInt32BE(size.width, 16);
  buffer.writeUInt32BE(size.height, 20);
  return `data:image/png;base64,${buffer.toString('base64')}`;
}

async function openVisit(options: { faultCode?: string; assetId?: string; customerId?: string } = {}) {
  const customerId = options.customerId ?? (await seedCustomer(api)).customerId;
  const ticket = await api.call('POST', '/api/v1/tickets', {
    channel: 'phone',
    type: 'breakdown',
    title: 'Chiller does not cool',
    description: 'Supply temperature stays at 14 °C',
    customerId,
    ...(options.assetId ? { assetId: options.assetId } : {}),
    ...(options.faultCode ? { faultCode: options.faultCode } : {}),
  });
  await api.call('POST', `/api/v1/tickets/${ticket.body.id}/assignment`, { technicianId: technician.id });
  return { ticket: ticket.body as { id: string; number: string }, visit: await planVisit(ticket.body.id) };
}

async function planVisit(ticketId: string): Promise<string> {
  api.clock.advance(1000);
  const visit = await api.call('POST', `/api/v1/tickets/${ticketId}/visits`, {
    technicianId: technician.id,
    plannedStart: '2025-03-13T08:00:00Z',
    plannedEnd: '2025-03-13T10:00:00Z',
  });
  expect(visit.status).toBe(201);
  return visit.body.id;
}

const close = (visitId: string, body: Record<string, unknown>, auth = technician.auth) =>
  api.call(
    'POST',
    `/api/v1/visits/${visitId}/close`,
    { resolutionNotes: 'Cleaned the condenser', actualStart: '2025-03-13T08:05:00Z', actualEnd: '2025-03-13T09:40:00Z', ...body },
    auth,
  );
const confirmation = { name: 'Mr Berg', confirmation: 'Unit cooling again' };

describe('visit closing', () => {
  test('acceptance: required, PNG data URL only, bounded size, or a typed confirmation', async () => {
    const { visit } = await openVisit();
    const missing = await close(visit, { outcome: 'fixed' });
    expect(missing.status).toBe(400);
    expect(fieldsOf(missing.body)).toContain('body.acceptance');
    const bare = await close(visit, { outcome: 'fixed', acceptance: { name: 'Mr Berg' } });
    expect(bare.status).toBe(400);
    const jpeg = await close(visit, { outcome: 'fixed', acceptance: { name: 'Mr Berg', signature: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==' } });
    expect(jpeg.status).toBe(400);
    expect(JSON.stringify(jpeg.body)).toContain('data:image/png;base64');
    const notPng = await close(visit, {
      outcome: 'fixed',
      acceptance: { name: 'Mr Berg', signature: `data:image/png;base64,${Buffer.from('GIF89a not a png at all, really not').toString('base64')}` },
    });
    expect(notPng.body.detail).toContain('not a PNG');
    const broken = await close(visit, { outcome: 'fixed', acceptance: { name: 'Mr Berg', signature: 'data:image/png;base64,abc$' } });
    expect(broken.status).toBe(400);
    const huge = await close(visit, { outcome: 'fixed', acceptance: { name: 'Mr Berg', signature: pngOfSize(SIGNATURE_MAX_BYTES + 1) } });
    expect(huge.status).toBe(400);
    expect(huge.body.detail).toMatch(/at most/);
    const giant = await close(visit, { outcome: 'fixed', acceptance: { name: 'Mr Berg', signature: pngOfSize(2000, { width: 100_000, height: 10 }) } });
    expect(giant.body.detail).toContain('pixels');
    // Nothing was written by the refused attempts.
    expect((await api.call('GET', `/api/v1/visits/${visit}`)).body).toMatchObject({ status: 'planned', acceptance: null, outcome: null });

    const atLimit = pngOfSize(SIGNATURE_MAX_BYTES);
    const signed = await close(visit, { outcome: 'fixed', acceptance: { name: 'Mr Berg', signature: atLimit } });
    expect(signed.status).toBe(200);
    expect(signed.body.closure.acceptanceKind).toBe('signature');
    expect(signed.body.visit.acceptance).toMatchObject({ name: 'Mr Berg', signature: atLimit, confirmation: null });

    const other = await openVisit();
    const typed = await close(other.visit, { outcome: 'fixed', acceptance: confirmation });
    expect(typed.body.closure.acceptanceKind).toBe('confirmation');
    // Acceptance recorded before (POST /visits/{id}/acceptance) is enough.
    const third = await openVisit();
    await api.call('PATCH', `/api/v1/visits/${third.visit}`, { actualStart: '2025-03-13T08:05:00Z' });
    expect((await api.call('POST', `/api/v1/visits/${third.visit}/acceptance`, { name: 'Ms Lind', signature: PNG_SIGNATURE })).status).toBe(200);
    const later = await close(third.visit, { outcome: 'not_fixed' });
    expect(later.status).toBe(200);
    expect(later.body.closure.acceptanceKind).toBe('signature');
  });

  test('fixed: visit completed, ticket resolved through the workflow, first-time fix; closing twice is 409', async () => {
    const { ticket, visit } = await openVisit();
    api.clock.set('2025-03-13T09:45:00Z');
    const closed = await close(visit, { outcome: 'fixed', acceptance: confirmation });
    expect(closed.status).toBe(200);
    expect(closed.body.visit).toMatchObject({
      status: 'completed',
      outcome: 'fixed',
      actualStart: '2025-03-13T08:05:00.000Z',
      actualEnd: '2025-03-13T09:40:00.000Z',
    });
    expect(closed.body.closure).toMatchObject({
      outcome: 'fixed',
      firstTimeFix: true,
      firstTimeFixComputed: true,
      firstTimeFixReason: null,
      resolutionNotes: 'Cleaned the condenser',
      closedBy: { type: 'user', id: technician.id },
    });
    expect(closed.body.ticket).toEqual({ id: ticket.id, number: ticket.number, status: 'resolved' });
    const read = (await api.call('GET', `/api/v1/tickets/${ticket.id}`)).body;
    expect(read).toMatchObject({ status: 'resolved', resolvedAt: '2025-03-13T09:45:00.000Z', respondedAt: '2025-03-13T08:05:00.000Z' });
    const history = (await api.call('GET', `/api/v1/tickets/${ticket.id}/history`)).body.entries.map((e: { to: string }) => e.to);
    expect(history).toEqual(['new', 'assigned', 'in_progress', 'resolved']);

    const again = await close(visit, { outcome: 'fixed', acceptance: confirmation });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CONFLICT');
    expect((await api.call('GET', `/api/v1/visits/${visit}/closure`)).body).toMatchObject({ visitId: visit, firstTimeFix: true });
    expect((await auditTrail(api.db, 'visit', visit)).map((a) => a.action)).toContain('close');
  });

  test('first-time fix: a second visit is not one; an override needs a reason; only a fixed visit can be one', async () => {
    const { ticket, visit } = await openVisit();
    const first = await close(visit, { outcome: 'another_visit_needed', acceptance: confirmation });
    expect(first.body.closure).toMatchObject({ firstTimeFix: false, firstTimeFixComputed: false });
    expect(first.body.ticket.status).toBe('assigned');
    const invalid = await close(await planVisit(ticket.id), {
      outcome: 'not_fixed',
      acceptance: confirmation,
      firstTimeFix: { value: true, reason: 'because' },
    });
    expect(invalid.status).toBe(400);
    expect(fieldsOf(invalid.body)).toContain('body.firstTimeFix.value');
    const noReason = await close(visit, { outcome: 'fixed', acceptance: confirmation, firstTimeFix: { value: true } });
    expect(noReason.status).toBe(400);

    const second = await planVisit(ticket.id);
    const computed = await close(second, { outcome: 'fixed', acceptance: confirmation });
    expect(computed.body.closure).toMatchObject({ firstTimeFix: false, firstTimeFixComputed: false });

    // The first visit was only a survey: the dispatcher counts the fix as first-time, with the reason.
    const other = await openVisit();
    await close(other.visit, { outcome: 'another_visit_needed', acceptance: confirmation });
    const fix = await planVisit(other.ticket.id);
    const overridden = await close(
      fix,
      { outcome: 'fixed', acceptance: confirmation, firstTimeFix: { value: true, reason: 'first visit was a site survey' } },
      { authorization: `Bearer service-admin-token-0123456789` },
    );
    expect(overridden.body.closure).toMatchObject({ firstTimeFix: true, firstTimeFixComputed: false, firstTimeFixReason: 'first visit was a site survey' });
  });

  test('technicians close only their own visits; a cancelled visit or one without a start is refused', async () => {
    const { ticket, visit } = await openVisit();
    const stranger = await api.user('technician');
    expect((await close(visit, { outcome: 'fixed', acceptance: confirmation }, stranger.auth)).status).toBe(403);
    const agent = await api.user('agent');
    expect((await close(visit, { outcome: 'fixed', acceptance: confirmation }, agent.auth)).status).toBe(403);
    const noStart = await api.call(
      'POST',
      `/api/v1/visits/${visit}/close`,
      { outcome: 'fixed', resolutionNotes: 'x', acceptance: confirmation },
      technician.auth,
    );
    expect(fieldsOf(noStart.body)).toContain('body.actualStart');
    const cancelled = await planVisit(ticket.id);
    await api.call('PATCH', `/api/v1/visits/${cancelled}`, { status: 'cancelled' });
    expect((await close(cancelled, { outcome: 'fixed', acceptance: confirmation })).status).toBe(409);
  });

  test('knowledge proposal: at closing or afterwards, once, as a draft article with fault code and model', async () => {
    const { assetIds, customerId } = await seedCustomer(api);
    const { ticket, visit } = await openVisit({ customerId, assetId: assetIds[0], faultCode: 'F1' });
    await api.call('PATCH', `/api/v1/visits/${visit}`, { actualStart: '2025-03-13T08:05:00Z' }, technician.auth);
    await api.call('POST', `/api/v1/visits/${visit}/parts`, { sku: 'FAN-2', quantity: 1, description: 'condenser fan' }, technician.auth);
    expect((await api.call('POST', `/api/v1/visits/${visit}/knowledge-proposal`, {}, technician.auth)).status).toBe(409);

    const closed = await close(visit, {
      outcome: 'fixed',
      acceptance: confirmation,
      proposeKnowledge: true,
      resolutionNotes: 'Condenser fan seized; replaced it',
    });
    const articleId = closed.body.closure.knowledgeArticleId as string;
    expect(articleId).toEqual(expect.any(String));
    const article = (await api.call('GET', `/api/v1/knowledge/articles/${articleId}`)).body;
    expect(article).toMatchObject({
      status: 'draft',
      title: 'F1: Chiller does not cool',
      faultCodes: ['F1'],
      modelIds: ['chiller-x'],
      tags: ['field-resolution'],
    });
    expect(article.body).toContain('Condenser fan seized; replaced it');
    expect(article.body).toContain('FAN-2 × 1 (condenser fan)');
    expect(article.body).toContain(ticket.number);
    const agent = await api.user('agent');
    expect((await api.call('GET', `/api/v1/knowledge/articles/${articleId}`, undefined, agent.auth)).status).toBe(404);
    const twice = await api.call('POST', `/api/v1/visits/${visit}/knowledge-proposal`, {}, technician.auth);
    expect(twice.status).toBe(409);
    expect(twice.body.articleId).toBe(articleId);

    const plain = await openVisit();
    await close(plain.visit, { outcome: 'fixed', acceptance: confirmation });
    const proposed = await api.call(
      'POST',
      `/api/v1/visits/${plain.visit}/knowledge-proposal`,
      { title: 'Low supply temperature: check the condenser', tags: ['Chillers'] },
      technician.auth,
    );
    expect(proposed.status).toBe(201);
    expect(proposed.body).toMatchObject({ visitId: plain.visit, title: 'Low supply temperature: check the condenser', status: 'draft' });
    const second = (await api.call('GET', `/api/v1/knowledge/articles/${proposed.body.articleId}`)).body;
    expect(second).toMatchObject({ tags: ['field-resolution', 'chillers'], faultCodes: [], modelIds: [] });
    expect((await api.call('GET', `/api/v1/visits/${plain.visit}/closure`)).body.knowledgeArticleId).toBe(proposed.body.articleId);
  });

  test('closing queues visit.completed in its transaction and publishes the ticket change after commit', async () => {
    const queued: NotificationRequest[] = [];
    const published: TicketEventInput[] = [];
    const notifier: NotifierPort = {
      enqueue: async (q, request) => {
        await q.query('SELECT 1');
        queued.push(request);
        return 1;
      },
      enqueueForTechnician: async () => 0,
    };
    const tickets = new TicketsService(api.db, api.clock, { publish: async (event: TicketEventInput) => void published.push(event) });
    const visits = new VisitsService(api.db, api.clock, { tickets, stock: new StockService(api.db, { clock: api.clock }) });
    const service = new VisitClosingService(api.db, api.clock, { notifier, tickets, visits });
    const caller = { actor: { type: 'user' as const, id: technician.id }, role: 'technician' as const, userId: technician.id };
    const input = closeVisitBody.parse({
      outcome: 'fixed',
      resolutionNotes: 'Reset the controller',
      actualStart: '2025-03-13T08:00:00Z',
      acceptance: confirmation,
    });
    const { ticket, visit } = await openVisit();
    await service.close(visit, input, caller);
    expect(queued).toEqual([{ event: 'visit.completed', ticketId: ticket.id, visitId: visit, data: { outcome: 'fixed' } }]);
    expect(published).toMatchObject([{ type: 'ticket.status_changed', from: 'assigned', ticket: { id: ticket.id, status: 'resolved' } }]);

    // The outbox write is part of the closing: when it fails, nothing is closed.
    const failing = new VisitClosingService(api.db, api.clock, {
      tickets,
      visits,
      notifier: {
        enqueue: async () => {
          throw new Error('outbox unavailable');
        },
        enqueueForTechnician: async () => 0,
      },
    });
    const other = await openVisit();
    await expect(failing.close(other.visit, input, caller)).rejects.toThrow('outbox unavailable');
    expect((await api.call('GET', `/api/v1/visits/${other.visit}`)).body.status).toBe('planned');
    expect((await api.call('GET', `/api/v1/tickets/${other.ticket.id}`)).body.status).toBe('assigned');
  });
});

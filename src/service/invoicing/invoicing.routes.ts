/**
 * Closing and invoicing routes, thin handlers over VisitClosingService and InvoicesService:
 * /visits/{id}/close, /visits/{id}/closure, /visits/{id}/knowledge-proposal,
 * /tickets/{id}/invoice, /invoices (list, export, read, recompute, issue, pay, void), /labour-rates.
 */
import type { Caller } from '../../kernel/caller.js';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { baselinesService } from '../../telemetry/baselines/baselines.routes.js';
import type { AppContext } from '../../app/context.js';
import type { RouteModule } from '../../kernel/http/http.types.js';
import { withStatementTimeout } from '../../kernel/db/statement-timeout.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/pagination.js';
import { clockOf } from '../../kernel/clock.js';
import { callerOf } from '../../access/auth/principal.js';
import { closeVisitBody, closeVisitResponse, closureSchema, knowledgeProposalBody, knowledgeProposalSchema } from '../visits/visit-closing.schemas.js';
import { VisitClosingService } from '../visits/visit-closing.service.js';
import { visitIdParams } from '../visits/visits.schemas.js';
import { invoicesToCsv } from './invoice-export.js';
import {
  createInvoiceBody,
  exportInvoicesQuery,
  invoiceIdParams,
  invoicePage,
  invoiceSchema,
  labourRateListSchema,
  labourRateParams,
  labourRateSchema,
  listInvoicesQuery,
  payInvoiceBody,
  putLabourRateBody,
  ticketInvoiceParams,
  voidInvoiceBody,
} from './invoicing.schemas.js';
import { InvoicesService, type InvoiceView } from './invoices.service.js';

const closeConfig = { roles: ['admin', 'dispatcher', 'technician'] } as const;
const closureRead = { roles: ['admin', 'dispatcher', 'agent', 'technician', 'customer'] } as const;
const billing = { roles: ['admin', 'dispatcher'] } as const;
const invoiceRead = { roles: ['admin', 'dispatcher', 'agent', 'customer'] } as const;
const ratesAdmin = { roles: ['admin'] } as const;
const visitTags = ['visits'];
const tags = ['invoicing'];

function visitCaller(request: FastifyRequest): Caller {
  const caller = callerOf(request);
  return { actor: caller.actor, role: caller.role, userId: caller.userId, customerId: caller.customerId };
}

function invoiceView(request: FastifyRequest): InvoiceView {
  const caller = callerOf(request);
  return { role: caller.role, customerId: caller.customerId };
}

const lifecycle = { params: invoiceIdParams, headers: ifMatchHeaders, response: { 200: invoiceSchema } };

export const invoicingRoutes: RouteModule<AppContext> = async (app, ctx: AppContext) => {
  const baselines = baselinesService(app, ctx);
  const closing = new VisitClosingService(ctx.db, clockOf(ctx), {
    notifier: ctx.notifier,
    events: ctx.ticketEvents,
    repaired: (tx, repair) => baselines.relearnAfterRepair(tx, repair),
  });
  const invoices = new InvoicesService(ctx.db, clockOf(ctx));
  // The ERP export reads many invoices at once: statement timeout, and `heavy` concurrency limits.
  const exports = new InvoicesService(withStatementTimeout(ctx.db, ctx.config.REPORT_TIMEOUT_MS), clockOf(ctx));

  app.post(
    '/visits/:id/close',
    {
      config: closeConfig,
      schema: {
        tags: visitTags,
        summary: 'Close a visit: outcome, acceptance, resolution notes, first-time fix; fixed resolves the ticket (409 when already closed)',
        params: visitIdParams,
        body: closeVisitBody,
        response: { 200: closeVisitResponse },
      },
    },
    async (request, reply) => {
      const result = await closing.close(request.params.id, request.body, visitCaller(request));
      return reply.header('etag', etagOf(result.visit.version)).send(result);
    },
  );

  app.get(
    '/visits/:id/closure',
    { config: closureRead, schema: { tags: visitTags, summary: "A closed visit's closure record", params: visitIdParams, response: { 200: closureSchema } } },
    async (request) => closing.closure(request.params.id, visitCaller(request)),
  );

  app.post(
    '/visits/:id/knowledge-proposal',
    {
      config: closeConfig,
      schema: {
        tags: visitTags,
        summary: "Propose a closed visit's resolution as a draft knowledge-base article (once per visit)",
        params: visitIdParams,
        body: knowledgeProposalBody,
        response: { 201: knowledgeProposalSchema },
      },
    },
    async (request, reply) => {
      const proposal = await closing.proposeKnowledge(request.params.id, request.body, visitCaller(request));
      return reply.status(201).header('location', `/api/v1/knowledge/articles/${proposal.articleId}`).send(proposal);
    },
  );

  app.post(
    '/tickets/:id/invoice',
    {
      config: billing,
      schema: {
        tags,
        summary: 'Draft the invoice of a resolved ticket (409 ALREADY_INVOICED when it has a non-void invoice)',
        params: ticketInvoiceParams,
        body: createInvoiceBody,
        response: { 201: invoiceSchema },
      },
    },
    async (request, reply) => {
      const invoice = await invoices.createDraft(request.params.id, request.body, callerOf(request).actor);
      return reply.status(201).header('etag', etagOf(invoice.version)).header('location', `/api/v1/invoices/${invoice.id}`).send(invoice);
    },
  );

  app.get(
    '/invoices',
    { config: invoiceRead, schema: { tags, summary: 'List invoices (customers: their own issued and paid ones)', querystring: listInvoicesQuery, response: { 200: invoicePage } } },
    async (request) => invoices.list(request.query, invoiceView(request)),
  );

  app.get(
    '/invoices/export',
    {
      config: { ...billing, heavy: true },
      schema: {
        tags,
        summary: 'Export invoices for the ERP: CSV (one row per line) or JSON',
        querystring: exportInvoicesQuery,
        response: { 200: z.any().describe('text/csv, or { items, truncated } for format=json') },
      },
    },
    async (request, reply) => {
      const { items, truncated } = await exports.exportInvoices(request.query);
      reply.header('x-export-truncated', String(truncated));
      if (request.query.format === 'json') return reply.send({ items, truncated });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="invoices-${request.query.status ?? 'issued-paid'}.csv"`)
        .send(invoicesToCsv(items));
    },
  );

  app.get(
    '/invoices/:id',
    { config: invoiceRead, schema: { tags, summary: 'Read an invoice with its lines', params: invoiceIdParams, response: { 200: invoiceSchema } } },
    async (request, reply) => {
      const invoice = await invoices.get(request.params.id, invoiceView(request));
      return reply.header('etag', etagOf(invoice.version)).send(invoice);
    },
  );

  app.post(
    '/invoices/:id/recompute',
    { config: billing, schema: { tags, summary: "Recompute a draft from the ticket's current work, rates and terms", ...lifecycle } },
    async (request, reply) => {
      const invoice = await invoices.recompute(request.params.id, callerOf(request).actor, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(invoice.version)).send(invoice);
    },
  );

  app.post(
    '/invoices/:id/issue',
    { config: billing, schema: { tags, summary: 'Issue a draft: final computation, prepaid draw-down, number (409 ALREADY_INVOICED when issued)', ...lifecycle } },
    async (request, reply) => {
      const invoice = await invoices.issue(request.params.id, callerOf(request).actor, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(invoice.version)).send(invoice);
    },
  );

  app.post(
    '/invoices/:id/pay',
    { config: billing, schema: { tags, summary: 'Record the payment of an issued invoice', body: payInvoiceBody, ...lifecycle } },
    async (request, reply) => {
      const invoice = await invoices.markPaid(request.params.id, request.body, callerOf(request).actor, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(invoice.version)).send(invoice);
    },
  );

  app.post(
    '/invoices/:id/void',
    { config: billing, schema: { tags, summary: 'Void a draft or issued invoice; the ticket can be invoiced again', body: voidInvoiceBody, ...lifecycle } },
    async (request, reply) => {
      const invoice = await invoices.void(request.params.id, request.body, callerOf(request).actor, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(invoice.version)).send(invoice);
    },
  );

  app.get(
    '/labour-rates',
    { config: billing, schema: { tags, summary: "Labour rates per skill ('*' = default)", response: { 200: labourRateListSchema } } },
    async () => ({ items: await invoices.labourRates() }),
  );

  app.put(
    '/labour-rates/:skill',
    { config: ratesAdmin, schema: { tags, summary: 'Set the hourly rate and overtime multiplier of a skill', params: labourRateParams, body: putLabourRateBody, response: { 200: labourRateSchema } } },
    async (request) => invoices.putLabourRate(request.params.skill, request.body, callerOf(request).actor),
  );
};

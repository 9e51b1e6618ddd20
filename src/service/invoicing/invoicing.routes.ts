/**
 * Invoicing routes, thin handlers over InvoicesService:
 * /tickets/{id}/invoice, /invoices (list, export, read, recompute, issue, pay, void), /labour-rates.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { callerOf } from '../../access/auth/principal.js';
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

const billing = { roles: ['admin', 'dispatcher'] } as const;
const invoiceRead = { roles: ['admin', 'dispatcher', 'agent', 'customer'] } as const;
const ratesAdmin = { roles: ['admin'] } as const;
const tags = ['invoicing'];

function invoiceView(request: FastifyRequest): InvoiceView {
  const caller = callerOf(request);
  return { role: caller.role, customerId: caller.customerId };
}

const lifecycle = { params: invoiceIdParams, headers: ifMatchHeaders, response: { 200: invoiceSchema } };

export interface InvoicingRoutesDeps {
  readonly invoices: InvoicesService;
  /** The same service over a connection with the reports' statement timeout (the ERP export). */
  readonly exports: InvoicesService;
}

export const invoicingRoutes = async (app: ZodApp, { invoices, exports }: InvoicingRoutesDeps): Promise<void> => {
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
    {
      config: invoiceRead,
      schema: { tags, summary: 'List invoices (customers: their own issued and paid ones)', querystring: listInvoicesQuery, response: { 200: invoicePage } },
    },
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
    {
      config: billing,
      schema: { tags, summary: 'Issue a draft: final computation, prepaid draw-down, number (409 ALREADY_INVOICED when issued)', ...lifecycle },
    },
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
    {
      config: ratesAdmin,
      schema: {
        tags,
        summary: 'Set the hourly rate and overtime multiplier of a skill',
        params: labourRateParams,
        body: putLabourRateBody,
        response: { 200: labourRateSchema },
      },
    },
    async (request) => invoices.putLabourRate(request.params.skill, request.body, callerOf(request).actor),
  );
};

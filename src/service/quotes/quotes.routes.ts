/**
 * Quotes routes, thin handlers over QuotesService: /tickets/{id}/quotes, /quotes (list, read,
 * change, send, accept, decline, withdraw, history). Amounts are money fields (price): the front
 * desk (agent) works with quotes without seeing them (src/access/auth/money.ts).
 */
import { callerOf } from '../../access/auth/principal.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import type { ZodApp } from '../../kernel/http/http.types.js';
import {
  createQuoteBody,
  decisionBody,
  listQuotesQuery,
  quoteHistorySchema,
  quoteIdParams,
  quotePage,
  quoteSchema,
  ticketQuoteParams,
  updateQuoteBody,
  withdrawBody,
} from './quotes.schemas.js';
import type { QuotesService } from './quotes.service.js';

/** The front desk and the back office make and send quotes. */
const desk = { roles: ['admin', 'dispatcher', 'agent'] } as const;
/** Customers read and decide on their own quotes; staff record a decision given on the phone. */
const deciders = { roles: ['admin', 'dispatcher', 'agent', 'customer'] } as const;
const tags = ['quotes'];

const action = { params: quoteIdParams, headers: ifMatchHeaders, response: { 200: quoteSchema } };

export interface QuotesRoutesDeps {
  readonly quotes: QuotesService;
}

export const quotesRoutes = async (app: ZodApp, { quotes }: QuotesRoutesDeps): Promise<void> => {
  app.post(
    '/tickets/:id/quotes',
    {
      config: desk,
      schema: {
        tags,
        summary: "Draft a quote for an open ticket: the lines given, else from the ticket's diagnosis; priced as invoices are (rates, catalogue, coverage)",
        params: ticketQuoteParams,
        body: createQuoteBody,
        response: { 201: quoteSchema },
      },
    },
    async (request, reply) => {
      const quote = await quotes.create(request.params.id, request.body, callerOf(request));
      return reply.status(201).header('etag', etagOf(quote.version)).header('location', `/api/v1/quotes/${quote.id}`).send(quote);
    },
  );

  app.get(
    '/quotes',
    {
      config: deciders,
      schema: { tags, summary: 'List quotes (customers: their own, once sent)', querystring: listQuotesQuery, response: { 200: quotePage } },
    },
    async (request) => quotes.list(request.query, callerOf(request)),
  );

  app.get(
    '/quotes/:id',
    { config: deciders, schema: { tags, summary: 'Read a quote with its lines', params: quoteIdParams, response: { 200: quoteSchema } } },
    async (request, reply) => {
      const quote = await quotes.get(request.params.id, callerOf(request));
      return reply.header('etag', etagOf(quote.version)).send(quote);
    },
  );

  app.patch(
    '/quotes/:id',
    { config: desk, schema: { tags, summary: 'Change a draft: lines (priced again), validUntil, note', body: updateQuoteBody, ...action } },
    async (request, reply) => {
      const quote = await quotes.update(request.params.id, request.body, callerOf(request), parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(quote.version)).send(quote);
    },
  );

  app.post(
    '/quotes/:id/send',
    {
      config: desk,
      schema: { tags, summary: "Send a draft: e-mailed to the customer's contacts; the ticket waits on hold (awaiting_quote)", ...action },
    },
    async (request, reply) => {
      const quote = await quotes.send(request.params.id, callerOf(request), parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(quote.version)).send(quote);
    },
  );

  app.post(
    '/quotes/:id/accept',
    {
      config: deciders,
      schema: {
        tags,
        summary:
          'Accept a sent quote: the customer (portal) or staff on the phone (onBehalfOf required); the ticket proceeds; 409 when expired (past validUntil)',
        body: decisionBody,
        ...action,
      },
    },
    async (request, reply) => {
      const quote = await quotes.accept(request.params.id, request.body, callerOf(request), parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(quote.version)).send(quote);
    },
  );

  app.post(
    '/quotes/:id/decline',
    {
      config: deciders,
      schema: {
        tags,
        summary: 'Decline a sent quote (customer, or staff on the phone with onBehalfOf); the ticket stays on hold; an activity records it',
        body: decisionBody,
        ...action,
      },
    },
    async (request, reply) => {
      const quote = await quotes.decline(request.params.id, request.body, callerOf(request), parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(quote.version)).send(quote);
    },
  );

  app.post(
    '/quotes/:id/withdraw',
    { config: desk, schema: { tags, summary: 'Withdraw a draft or sent quote', body: withdrawBody, ...action } },
    async (request, reply) => {
      const quote = await quotes.withdraw(request.params.id, request.body, callerOf(request), parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(quote.version)).send(quote);
    },
  );

  app.get(
    '/quotes/:id/history',
    {
      config: deciders,
      schema: { tags, summary: 'Status history of a quote (expiry shown as its last entry)', params: quoteIdParams, response: { 200: quoteHistorySchema } },
    },
    async (request) => quotes.history(request.params.id, callerOf(request)),
  );
};

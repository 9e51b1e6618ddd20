/**
 * PDF documents, thin handlers over DocumentsService and ServiceReportsService:
 * /invoices/{id}/pdf, /invoices/{id}/act/pdf, /invoices/{id}/send, /tickets/{id}/work-order/pdf,
 * /visits/{id}/report/pdf.
 */
import type { FastifyReply } from 'fastify';
import { callerOf } from '../../access/auth/principal.js';
import { MONEY_AUDIENCES } from '../../access/auth/money.js';
import type { ZodApp } from '../../kernel/http/http.types.js';
import { contentDisposition, safeFileName } from '../attachments/attachment-content.js';
import { READ_ROLES } from '../attachments/attachments.service.js';
import type { DocumentsService } from './documents.service.js';
import { documentIdParams, documentQuery, pdfResponse, sentDocumentSchema } from './documents.schemas.js';
import type { ServiceReportsService } from './service-reports.service.js';

const tags = ['documents'];
/** Invoices print prices: the roles that see prices (agents read invoices without their money, so they get no PDF). */
const invoiceRead = { roles: MONEY_AUDIENCES.price };
/** Staff who read tickets (customers get the service report, not the work order). */
const workOrderRead = { roles: ['admin', 'dispatcher', 'agent', 'technician'] } as const;

export interface DocumentsRoutesDeps {
  readonly documents: DocumentsService;
  readonly reports: ServiceReportsService;
}

function sendPdf(reply: FastifyReply, fileName: string, data: Buffer): FastifyReply {
  return reply
    .type('application/pdf')
    .header('content-disposition', contentDisposition('attachment', safeFileName(fileName, 'application/pdf')))
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'private, no-store')
    .send(data);
}

export async function documentsRoutes(app: ZodApp, { documents, reports }: DocumentsRoutesDeps): Promise<void> {
  const pdfSchema = (summary: string, description?: string) => ({
    tags,
    summary,
    ...(description ? { description } : {}),
    params: documentIdParams,
    querystring: documentQuery,
    response: { 200: pdfResponse },
  });

  app.get(
    '/invoices/:id/pdf',
    {
      config: invoiceRead,
      schema: pdfSchema('The invoice as a PDF', 'Drafts carry a DRAFT watermark. Customers: their own issued and paid invoices (404 otherwise).'),
    },
    async (request, reply) => {
      const { fileName, data } = await documents.invoicePdf(request.params.id, callerOf(request), request.query.lang);
      return sendPdf(reply, fileName, data);
    },
  );

  app.get(
    '/invoices/:id/act/pdf',
    { config: invoiceRead, schema: pdfSchema('The act of services rendered of an issued invoice, as a PDF (409 for drafts and void invoices)') },
    async (request, reply) => {
      const { fileName, data } = await documents.actPdf(request.params.id, callerOf(request), request.query.lang);
      return sendPdf(reply, fileName, data);
    },
  );

  app.post(
    '/invoices/:id/send',
    {
      config: { roles: ['admin'] },
      schema: {
        tags,
        summary: "E-mail an issued invoice's PDF to the customer",
        description:
          "To the customer's primary contact (its notification address, else its first e-mail), else another contact, else the customer's e-mail; " +
          'through the notification outbox, with the PDF attached and stored on the ticket. The same invoice version is sent once.',
        params: documentIdParams,
        response: { 202: sentDocumentSchema },
      },
    },
    async (request, reply) => reply.status(202).send(await documents.sendInvoice(request.params.id, callerOf(request))),
  );

  app.get(
    '/tickets/:id/work-order/pdf',
    { config: workOrderRead, schema: pdfSchema('The work order of a ticket as a PDF (no prices)') },
    async (request, reply) => {
      const { fileName, data } = await documents.workOrderPdf(request.params.id, callerOf(request), request.query.lang);
      return sendPdf(reply, fileName, data);
    },
  );

  app.get(
    '/visits/:id/report/pdf',
    {
      config: { roles: READ_ROLES.visit },
      schema: {
        tags,
        summary: 'The service report of a closed visit as a PDF',
        description:
          "Made when the visit closes and stored as the visit's attachment; made now when missing. 409 before the visit is closed. " +
          "Printed in the customer's language.",
        params: documentIdParams,
        response: { 200: pdfResponse },
      },
    },
    async (request, reply) => {
      const { fileName, data } = await reports.pdf(request.params.id, callerOf(request));
      return sendPdf(reply, fileName, data);
    },
  );
}

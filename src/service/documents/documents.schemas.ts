/** Documents API contract: PDF downloads in a language, and sending a document. */
import { z } from 'zod';
import { DOCUMENT_LANGUAGES } from './document-labels.js';

export const documentIdParams = z.object({ id: z.uuid() });

export const documentQuery = z.strictObject({
  lang: z.enum(DOCUMENT_LANGUAGES).optional().describe("Language when the customer's contacts have none stored (theirs wins); default en"),
});

export const pdfResponse = z.any().describe('application/pdf (Content-Disposition: attachment)');

export const sentDocumentSchema = z.object({
  to: z.string().describe('The address the e-mail goes to'),
  attachmentId: z.uuid().nullable().describe('The PDF stored with the ticket and attached to the e-mail; null when this version was sent before'),
  queued: z.boolean().describe('false: this version of the document was already sent; nothing new was queued'),
});

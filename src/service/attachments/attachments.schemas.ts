/** Contracts of the attachment routes. */
import { z } from 'zod';
import { PARENT_KINDS } from './attachments.repository.js';

export const attachmentIdParams = z.object({ id: z.uuid() });
export const parentIdParams = z.object({ id: z.uuid() });

export const attachmentSchema = z.object({
  id: z.uuid(),
  parentType: z.enum(PARENT_KINDS),
  parentId: z.uuid(),
  fileName: z.string().describe('Sanitised display name; its extension is that of the detected type'),
  contentType: z.string().describe('Detected from the content (JPEG, PNG, WebP or PDF), never taken from the client'),
  sizeBytes: z.number().int().describe('Size as stored (images after downscaling)'),
  sha256: z.string(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  caption: z.string().nullable(),
  uploadedBy: z.object({ type: z.string(), id: z.string() }),
  createdAt: z.string(),
  contentUrl: z.string().describe('GET it for the bytes'),
});
export type Attachment = z.infer<typeof attachmentSchema>;

export const attachmentList = z.object({ items: z.array(attachmentSchema) });

export const contentQuery = z.object({
  download: z
    .enum(['true', 'false'])
    .optional()
    .describe('true: Content-Disposition attachment (save) instead of inline (images and PDFs shown in the browser)'),
});

export const CAPTION_MAX = 1000;

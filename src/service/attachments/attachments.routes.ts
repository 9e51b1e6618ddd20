/**
 * /api/v1/{tickets|visits|assets}/:id/attachments and /api/v1/attachments/:id — thin handlers:
 * read the one multipart file (size-limited while streaming), delegate to AttachmentsService.
 * The multipart parser is registered in this plugin's own scope, so no other route accepts
 * multipart/form-data.
 */
import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { callerOf } from '../../access/auth/principal.js';
import { AppError, invalidField } from '../../kernel/errors.js';
import { ALL_ROLES, type ZodApp } from '../../kernel/http/http.types.js';
import { contentDisposition } from './attachment-content.js';
import type { ParentKind } from './attachments.repository.js';
import { READ_ROLES, WRITE_ROLES, type AttachmentsService, type UploadInput } from './attachments.service.js';
import { attachmentIdParams, attachmentList, attachmentSchema, CAPTION_MAX, contentQuery, parentIdParams } from './attachments.schemas.js';

const tags = ['attachments'];
const PATHS: Record<ParentKind, string> = { ticket: 'tickets', visit: 'visits', asset: 'assets' };

export interface AttachmentsRoutesDeps {
  readonly attachments: AttachmentsService;
  /** ATTACHMENTS_MAX_BYTES. */
  readonly maxBytes: number;
}

export async function attachmentsRoutes(app: ZodApp, deps: AttachmentsRoutesDeps): Promise<void> {
  await app.register(async (scope: ZodApp) => {
    await scope.register(multipart, { limits: { fileSize: deps.maxBytes, files: 1, fields: 4, fieldSize: CAPTION_MAX * 4, parts: 6 } });
    for (const kind of Object.keys(PATHS) as ParentKind[]) routesOf(scope, kind, deps);
  });
  const { attachments } = deps;

  app.get(
    '/attachments/:id',
    { config: { roles: ALL_ROLES }, schema: { tags, summary: "An attachment's metadata", params: attachmentIdParams, response: { 200: attachmentSchema } } },
    async (request) => attachments.get(request.params.id, callerOf(request)),
  );

  app.get(
    '/attachments/:id/content',
    {
      config: { roles: ALL_ROLES },
      schema: {
        tags,
        summary: "An attachment's file",
        description: 'Content-Type is the detected type; shown inline unless `download=true`.',
        params: attachmentIdParams,
        querystring: contentQuery,
      },
    },
    async (request, reply) => {
      const { attachment, stream } = await attachments.content(request.params.id, callerOf(request));
      return reply
        .type(attachment.contentType)
        .header('content-length', String(attachment.sizeBytes))
        .header('content-disposition', contentDisposition(request.query.download === 'true' ? 'attachment' : 'inline', attachment.fileName))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, max-age=0, must-revalidate')
        .header('etag', `"${attachment.sha256}"`)
        .send(stream);
    },
  );

  app.delete(
    '/attachments/:id',
    { config: { roles: ALL_ROLES }, schema: { tags, summary: 'Delete an attachment (audited; the file is removed)', params: attachmentIdParams } },
    async (request, reply) => {
      await attachments.remove(request.params.id, callerOf(request));
      return reply.status(204).send();
    },
  );
}

function routesOf(app: ZodApp, kind: ParentKind, deps: AttachmentsRoutesDeps): void {
  const { attachments } = deps;
  const base = `/${PATHS[kind]}/:id/attachments`;

  app.post(
    base,
    {
      config: { roles: WRITE_ROLES[kind] },
      schema: {
        tags,
        summary: `Attach a file to a ${kind}`,
        description:
          'multipart/form-data with one part `file` and an optional field `caption`. JPEG, PNG, WebP or PDF, detected from the content ' +
          '(415 otherwise); at most ATTACHMENTS_MAX_BYTES (413). Images are turned upright, downscaled and stripped of metadata.',
        params: parentIdParams,
        response: { 201: attachmentSchema },
      },
    },
    async (request, reply) => {
      const parent = { kind, id: request.params.id };
      const caller = callerOf(request);
      await attachments.assertMayUpload(parent, caller);
      const input = await readUpload(request, deps.maxBytes);
      const attachment = await attachments.upload(parent, input, caller);
      return reply.status(201).header('location', `/api/v1/attachments/${attachment.id}`).send(attachment);
    },
  );

  app.get(
    base,
    {
      config: { roles: READ_ROLES[kind] },
      schema: { tags, summary: `The attachments of a ${kind}, oldest first`, params: parentIdParams, response: { 200: attachmentList } },
    },
    async (request) => ({ items: await attachments.list({ kind, id: request.params.id }, callerOf(request)) }),
  );
}

/** The file and caption of a multipart upload; the size limit is enforced while the file streams in. */
async function readUpload(request: FastifyRequest, maxBytes: number): Promise<UploadInput> {
  if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data', { detectedType: null });
  let file: { data: Buffer; fileName: string } | undefined;
  let caption: string | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') throw invalidField('body.file', `unexpected file part "${part.fieldname}"; name it "file"`);
        file = { data: await part.toBuffer(), fileName: part.filename };
      } else if (part.fieldname === 'caption') {
        if (part.valueTruncated || String(part.value).length > CAPTION_MAX) throw invalidField('body.caption', `at most ${CAPTION_MAX} characters`);
        caption = String(part.value);
      }
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') {
      throw new AppError('PAYLOAD_TOO_LARGE', `The file is larger than ${maxBytes} bytes`, { maxBytes });
    }
    if (code === 'FST_FILES_LIMIT') throw invalidField('body.file', 'one file per request');
    throw error;
  }
  if (!file) throw invalidField('body.file', 'a file part named "file" is required');
  if (caption?.includes('\u0000')) throw invalidField('body.caption', 'must not contain a NUL character (U+0000)');
  return { ...file, caption };
}

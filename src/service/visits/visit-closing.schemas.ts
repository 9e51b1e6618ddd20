/** Visit closing API contract: outcome, first-time fix, customer acceptance, resolution, knowledge-base proposal. */
import { z } from 'zod';
import { TICKET_STATUSES } from '../tickets/ticket-workflow.js';
import { VISIT_OUTCOMES, visitSchema } from './visits.schemas.js';

/** Largest signature image accepted, decoded: 100 KiB (a signature pad PNG is typically 5–30 KiB). */
export const SIGNATURE_MAX_BYTES = 100 * 1024;
/** Largest signature width or height in pixels. */
export const SIGNATURE_MAX_PIXELS = 4096;

const SIGNATURE_PREFIX = 'data:image/png;base64,';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Why a signature data URL is refused, or null when it is a PNG within the limits: the
 * `data:image/png;base64,` prefix, valid base64, at most SIGNATURE_MAX_BYTES decoded, the PNG
 * signature and an IHDR chunk with a size of 1..SIGNATURE_MAX_PIXELS on each side.
 */
export function signatureProblem(dataUrl: string): string | null {
  if (!dataUrl.startsWith(SIGNATURE_PREFIX)) return `expected a data URL starting with ${SIGNATURE_PREFIX}`;
  const encoded = dataUrl.slice(SIGNATURE_PREFIX.length);
  if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) return 'the image is not valid base64';
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length > SIGNATURE_MAX_BYTES) return `the image is ${bytes.length} bytes; at most ${SIGNATURE_MAX_BYTES} are accepted`;
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(PNG_MAGIC) || bytes.toString('latin1', 12, 16) !== 'IHDR') return 'the image is not a PNG';
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width < 1 || height < 1 || width > SIGNATURE_MAX_PIXELS || height > SIGNATURE_MAX_PIXELS) {
    return `the image is ${width}×${height} pixels; each side must be 1..${SIGNATURE_MAX_PIXELS}`;
  }
  return null;
}

/** Encoded length of the largest accepted signature (checked before decoding). */
const SIGNATURE_MAX_CHARS = SIGNATURE_PREFIX.length + Math.ceil(SIGNATURE_MAX_BYTES / 3) * 4;

export const closingAcceptanceSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).describe('Who accepted on behalf of the customer'),
    signature: z
      .string()
      .max(SIGNATURE_MAX_CHARS, `the signature may be at most ${SIGNATURE_MAX_BYTES} bytes`)
      .superRefine((value, ctx) => {
        const problem = signatureProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .describe(`data:image/png;base64,… of at most ${SIGNATURE_MAX_BYTES} bytes`),
    confirmation: z.string().trim().min(3).max(2000).optional().describe('Typed confirmation, e.g. "Work done, unit running"'),
  })
  .refine((a) => a.signature !== undefined || a.confirmation !== undefined, {
    message: 'a signature or a typed confirmation is required',
    path: ['signature'],
  });

const instant = z.iso.datetime({ offset: true });

export const closeVisitBody = z
  .strictObject({
    outcome: z.enum(VISIT_OUTCOMES).describe('fixed resolves the ticket'),
    resolutionNotes: z.string().trim().min(1).max(20_000).describe('What was found and done'),
    actualStart: instant.optional().describe('Required when the visit has no actual start yet'),
    actualEnd: instant.optional().describe("Default: the visit's actual end, else now"),
    acceptance: closingAcceptanceSchema.optional().describe('Required unless the visit was already accepted (POST /visits/{id}/acceptance)'),
    firstTimeFix: z
      .strictObject({ value: z.boolean(), reason: z.string().trim().min(3).max(500) })
      .optional()
      .describe('Overrides the computed flag (fixed on the first visit of the ticket), with the reason'),
    proposeKnowledge: z.boolean().default(false).describe('Also propose the resolution as a draft knowledge-base article (default false)'),
  })
  .refine((v) => !v.actualStart || !v.actualEnd || Date.parse(v.actualEnd) >= Date.parse(v.actualStart), {
    message: 'actualEnd must not be before actualStart',
    path: ['actualEnd'],
  });
export type CloseVisit = z.infer<typeof closeVisitBody>;

export const knowledgeProposalBody = z
  .strictObject({
    title: z.string().trim().min(1).max(300).optional().describe('Default: fault code and ticket title'),
    body: z.string().trim().min(1).max(100_000).optional().describe('Markdown; default: symptom, resolution notes and parts used'),
    tags: z.array(z.string().trim().toLowerCase().min(1).max(50)).max(20).optional().describe("Added to 'field-resolution'"),
  })
  .nullish()
  .describe('Optional body');
export type KnowledgeProposalInput = z.infer<typeof knowledgeProposalBody>;

export const closureSchema = z.object({
  visitId: z.uuid(),
  ticketId: z.uuid(),
  outcome: z.enum(VISIT_OUTCOMES),
  firstTimeFix: z.boolean().describe('What counts: the computed flag, or its override'),
  firstTimeFixComputed: z.boolean().describe('Fixed on the first non-cancelled visit of the ticket'),
  firstTimeFixReason: z.string().nullable().describe('Why the flag was overridden'),
  resolutionNotes: z.string(),
  acceptanceKind: z.enum(['signature', 'confirmation']),
  knowledgeArticleId: z.uuid().nullable().describe('Draft article proposed from this resolution'),
  closedAt: z.iso.datetime(),
  closedBy: z.object({ type: z.string(), id: z.string() }),
});
export type Closure = z.infer<typeof closureSchema>;

export const closeVisitResponse = z.object({
  closure: closureSchema,
  visit: visitSchema,
  ticket: z.object({ id: z.uuid(), number: z.string(), status: z.enum(TICKET_STATUSES) }),
});
export type CloseVisitResult = z.infer<typeof closeVisitResponse>;

export const knowledgeProposalSchema = z.object({
  articleId: z.uuid(),
  visitId: z.uuid(),
  title: z.string(),
  status: z.literal('draft').describe('Editors (admin, dispatcher) review and publish it through PATCH /knowledge/articles/{id}'),
});
export type KnowledgeProposal = z.infer<typeof knowledgeProposalSchema>;

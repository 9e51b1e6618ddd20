/** Contacts API contract: people at a customer, their channels, language and preferences. */
import { z } from 'zod';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';
import { customValuesBody, customValuesSchema, withCustomFilters } from '../custom-fields/custom-fields.schemas.js';

export const CONTACT_CHANNELS = ['email', 'phone', 'sms', 'whatsapp', 'post'] as const;
/** What a contact may opt out of: a channel, or a kind of message. */
export const OPT_OUTS = [...CONTACT_CHANNELS, 'marketing', 'surveys'] as const;

export const contactIdParams = z.object({ id: z.uuid() });

const emailEntry = z.strictObject({
  address: z.email().max(254),
  label: z.string().trim().min(1).max(40).optional().describe('e.g. work, private'),
});
const phoneEntry = z.strictObject({
  number: z
    .string()
    .trim()
    .regex(/^\+?[0-9 ()./-]{3,40}$/, 'a phone number: digits, spaces, + ( ) . / -'),
  label: z.string().trim().min(1).max(40).optional().describe('e.g. mobile, office'),
});

export const contactSchema = z.object({
  id: z.uuid(),
  customerId: z.uuid(),
  name: z.string(),
  jobTitle: z.string().nullable(),
  emails: z.array(z.object({ address: z.string(), label: z.string().optional() })),
  phones: z.array(z.object({ number: z.string(), label: z.string().optional() })),
  preferredChannel: z.enum(CONTACT_CHANNELS).nullable(),
  language: z.string().nullable().describe('BCP 47 tag, e.g. de or en-GB'),
  optOuts: z.array(z.enum(OPT_OUTS)).describe('Channels or kinds of message the contact refused'),
  isPrimary: z.boolean().describe("The customer's main contact (at most one per customer)"),
  notes: z.string().nullable(),
  custom: customValuesSchema,
  version: z.number().int().describe('Increments on every change; also sent as the ETag'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Contact = z.infer<typeof contactSchema>;

const name = z.string().trim().min(1).max(200);
const jobTitle = z.string().trim().min(1).max(200);
const emails = z.array(emailEntry).max(10);
const phones = z.array(phoneEntry).max(10);
const language = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag, e.g. de or en-GB');
const optOuts = z
  .array(z.enum(OPT_OUTS))
  .max(OPT_OUTS.length)
  .refine((o) => new Set(o).size === o.length, 'no duplicates');
const notes = z.string().max(10_000);

export const createContactBody = z.strictObject({
  customerId: z.uuid(),
  name,
  jobTitle: jobTitle.optional(),
  emails: emails.default([]),
  phones: phones.default([]),
  preferredChannel: z.enum(CONTACT_CHANNELS).optional(),
  language: language.optional(),
  optOuts: optOuts.default([]),
  isPrimary: z.boolean().default(false).describe("Making a contact primary demotes the customer's previous primary contact (default false)"),
  notes: notes.optional(),
  custom: customValuesBody.optional(),
});
export type CreateContact = z.infer<typeof createContactBody>;

/** PATCH: fields present are replaced (emails, phones, optOuts as whole lists); null clears; custom merges. */
export const updateContactBody = z.strictObject({
  name: name.optional(),
  jobTitle: jobTitle.nullable().optional(),
  emails: emails.optional(),
  phones: phones.optional(),
  preferredChannel: z.enum(CONTACT_CHANNELS).nullable().optional(),
  language: language.nullable().optional(),
  optOuts: optOuts.optional(),
  isPrimary: z.boolean().optional(),
  notes: notes.nullable().optional(),
  custom: customValuesBody.optional(),
});
export type UpdateContact = z.infer<typeof updateContactBody>;

export const CONTACT_SORTS = ['name', 'createdAt', 'updatedAt'] as const;

export const listContactsQuery = withCustomFilters({
  ...pageQueryShape,
  sort: sortQuery(CONTACT_SORTS, 'name'),
  customerId: z.uuid().optional(),
  q: z.string().trim().min(1).max(200).optional().describe('Case-insensitive substring of the name or an e-mail address'),
  isPrimary: z.stringbool().optional(),
});
export type ListContacts = z.infer<typeof listContactsQuery>;

export const contactPage = pageSchema(contactSchema);

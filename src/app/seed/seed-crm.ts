/**
 * The people and knowledge of the demo: contacts at each customer (ContactsService) and one
 * published knowledge-base article per equipment model and fault code (KnowledgeService), written
 * from the model files' fault catalogue. Inputs go through the API's zod contracts, so defaults
 * and validation are the same as over HTTP.
 */
import type { Actor } from '../../access/audit/audit.service.js';
import { ContactsService } from '../../service/contacts/contacts.service.js';
import { createContactBody } from '../../service/contacts/contacts.schemas.js';
import { KnowledgeService } from '../../service/knowledge/knowledge.service.js';
import { createArticleBody } from '../../service/knowledge/knowledge.schemas.js';
import type { ModelRegistry } from '../../telemetry/models/models.registry.js';
import type { Database } from '../../kernel/db/database.js';
import type { DemoPerson } from './demo-company.data.js';

const LANGUAGE: Record<string, string> = { DE: 'de', AT: 'de', CH: 'de', IT: 'it', PL: 'pl', NL: 'nl', FR: 'fr', DK: 'da', ES: 'es', HU: 'hu' };

export async function seedContacts(
  db: Database,
  actor: Actor,
  customers: readonly { id: string; country: string; language?: string | undefined; contacts: readonly DemoPerson[] }[],
): Promise<number> {
  const service = new ContactsService(db);
  let count = 0;
  for (const c of customers) {
    for (const [i, p] of c.contacts.entries()) {
      const input = createContactBody.parse({
        customerId: c.id,
        name: p.name,
        jobTitle: p.title,
        emails: [{ address: p.email, label: 'work' }],
        phones: [{ number: p.phone, label: 'office' }],
        preferredChannel: i === 0 ? 'phone' : 'email',
        language: c.language ?? LANGUAGE[c.country] ?? 'en',
        isPrimary: i === 0,
      });
      await service.create(input, actor);
      count++;
    }
  }
  return count;
}

export async function seedKnowledge(db: Database, models: ModelRegistry, actor: Actor): Promise<number> {
  const service = new KnowledgeService(db, models);
  let count = 0;
  for (const model of models.list()) {
    for (const fault of model.faults) {
      const body = [
        `## Diagnosis\n\n${fault.diagnosis}`,
        `## Probable causes\n\n${fault.probableCauses.map((c) => `- ${c}`).join('\n')}`,
        `## What to do\n\n${fault.actions.map((a, i) => `${i + 1}. ${a}`).join('\n')}`,
        fault.parts.length ? `## Parts\n\n${fault.parts.map((p) => `- ${p.quantity} × ${p.description} (${p.sku})`).join('\n')}` : '',
        `Estimated labour: ${fault.labourHours} h, skill: ${fault.skill}, priority: ${fault.priority}.`,
      ]
        .filter(Boolean)
        .join('\n\n');
      const input = createArticleBody.parse({
        title: `${model.name}: ${fault.title}`,
        body,
        tags: [model.category, fault.skill],
        modelIds: [model.id],
        faultCodes: [fault.code],
        status: 'published',
      });
      await service.create(input, actor);
      count++;
    }
  }
  return count;
}

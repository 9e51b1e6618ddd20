/** /api/v1/models — the loaded equipment models (read-only; they come from DEVICES_DIR files). */
import { z } from 'zod';
import { ALL_ROLES, type ZodApp } from '../../kernel/http/http.types.js';
import { notFound } from '../../kernel/errors.js';
import { invalidField } from '../../kernel/errors.js';
import { pageQueryShape, pageSchema } from '../../kernel/http/paging.schemas.js';
import type { ModelRegistry } from './models.registry.js';
import { equipmentModelFileSchema, type EquipmentModel } from './models.schema.js';

/** The equipment catalogue (no prices): open to every signed-in role. */
const config = { roles: ALL_ROLES };
const tags = ['models'];

const modelSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  manufacturer: z.string(),
  category: z.string(),
  metricCount: z.number().int(),
  faultCount: z.number().int(),
});
type ModelSummary = z.infer<typeof modelSummarySchema>;

const modelSchema = z.object({ id: z.string(), ...equipmentModelFileSchema.shape });

const listModelsQuery = z.strictObject({
  ...pageQueryShape,
  category: z.string().min(1).max(100).optional(),
  q: z.string().trim().min(1).max(200).optional().describe('Case-insensitive substring of the id, name or manufacturer'),
});

const modelIdParams = z.object({ id: z.string().min(1).max(64) });

export async function modelsRoutes(app: ZodApp, { models }: { models: ModelRegistry }): Promise<void> {
  app.get(
    '/models',
    {
      config,
      schema: { tags, summary: 'List equipment models', querystring: listModelsQuery, response: { 200: pageSchema(modelSummarySchema) } },
    },
    async (request) => {
      const { limit, cursor, category, q } = request.query;
      // Models are few and in memory: the cursor is simply the last id returned (ids sort ascending).
      if (cursor !== undefined && !/^[a-z0-9-]{1,64}$/.test(cursor)) throw invalidField('query.cursor', 'not a cursor returned by this list');
      const needle = q?.toLowerCase();
      const matching = models
        .list()
        .filter((m) => category === undefined || m.category === category)
        .filter((m) => needle === undefined || [m.id, m.name, m.manufacturer].some((s) => s.toLowerCase().includes(needle)))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .filter((m) => cursor === undefined || m.id > cursor);
      const items = matching.slice(0, limit).map(summaryOf);
      return { items, nextCursor: matching.length > limit ? items.at(-1)!.id : null };
    },
  );

  app.get(
    '/models/:id',
    { config, schema: { tags, summary: 'Read an equipment model', params: modelIdParams, response: { 200: modelSchema } } },
    async (request) => {
      const model = models.get(request.params.id);
      if (!model) throw notFound('equipment model', request.params.id);
      return model;
    },
  );
}

function summaryOf(m: EquipmentModel): ModelSummary {
  return {
    id: m.id,
    name: m.name,
    manufacturer: m.manufacturer,
    category: m.category,
    metricCount: Object.keys(m.metrics).length,
    faultCount: m.faults.length,
  };
}

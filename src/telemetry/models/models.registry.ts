/** The loaded equipment models, and their mirror in the equipment_models table. */
import type { Queryable } from '../../kernel/db/database.js';
import type { EquipmentModel } from './models.schema.js';
import { loadModels } from './models.loader.js';

export class ModelRegistry {
  private constructor(private readonly byId: ReadonlyMap<string, EquipmentModel>) {}

  static async fromDirectory(dir: string): Promise<ModelRegistry> {
    return new ModelRegistry(await loadModels(dir));
  }

  static of(models: Iterable<EquipmentModel>): ModelRegistry {
    return new ModelRegistry(new Map([...models].map((m) => [m.id, m])));
  }

  get(id: string): EquipmentModel | undefined {
    return this.byId.get(id);
  }

  list(): EquipmentModel[] {
    return [...this.byId.values()];
  }

  /** Upserts every model into equipment_models so assets can reference them. */
  async sync(db: Queryable): Promise<void> {
    for (const m of this.byId.values()) {
      await db.query(
        `INSERT INTO equipment_models (id, name, manufacturer, category, definition, loaded_at)
         VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT (id) DO UPDATE SET name = $2, manufacturer = $3, category = $4, definition = $5, loaded_at = now()`,
        [m.id, m.name, m.manufacturer, m.category, JSON.stringify(m)],
      );
    }
  }
}

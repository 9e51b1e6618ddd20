/** Reads and validates every equipment model file in a folder. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MODEL_ID, equipmentModelFileSchema, type EquipmentModel } from './models.schema.js';

export class ModelFileError extends Error {
  readonly code = 'MODEL_FILE_INVALID';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid equipment model ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'ModelFileError';
  }
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export function parseModelFile(file: string, text: string): EquipmentModel {
  const id = path.basename(file, path.extname(file));
  if (!MODEL_ID.test(id)) throw new ModelFileError(file, [`file name "${id}" is not a model id (lowercase letters, digits, dashes)`]);
  let data: unknown;
  try {
    data = path.extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ModelFileError(file, [`not valid ${path.extname(file).slice(1).toUpperCase()}: ${(error as Error).message}`]);
  }
  const parsed = equipmentModelFileSchema.safeParse(data);
  if (!parsed.success) {
    throw new ModelFileError(
      file,
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return Object.freeze({ id, ...parsed.data });
}

/** Loads every model in `dir`; throws ModelFileError naming the first invalid file and its fields. */
export async function loadModels(dir: string): Promise<Map<string, EquipmentModel>> {
  const entries = (await readdir(dir)).filter((f) => EXTENSIONS.has(path.extname(f))).sort();
  const models = new Map<string, EquipmentModel>();
  for (const entry of entries) {
    const file = path.join(dir, entry);
    const model = parseModelFile(file, await readFile(file, 'utf8'));
    if (models.has(model.id)) throw new ModelFileError(file, [`model id ${model.id} is defined twice`]);
    models.set(model.id, model);
  }
  if (models.size === 0) throw new ModelFileError(dir, ['no equipment model files (*.yaml, *.yml, *.json)']);
  return models;
}

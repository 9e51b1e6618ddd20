/** The `commands:` key of a model: its own mistakes are named at load, and parameters become a strict zod schema. */
import { describe, expect, test } from 'vitest';
import { commandDefinitionSchema, commandParametersSchema, commandsSchema } from '../../src/telemetry/commands/command-definition.schema.js';

describe('command definitions', () => {
  test('an enum needs values, bounds must be ordered, names are snake_case', () => {
    const bad = commandsSchema.safeParse({
      reset: { title: 'Reset', description: 'x', parameters: { code: { type: 'enum', description: 'c' } } },
      'Set-Point': { title: 'S', description: 'x' },
      range: { title: 'R', description: 'x', parameters: { v: { type: 'number', min: 5, max: 1, description: 'v' } } },
    });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['reset.parameters.code.values', 'Set-Point', 'range.parameters.v.max']));
  });

  test('parameters: types, bounds, optional ones, and nothing unknown', () => {
    const def = commandDefinitionSchema.parse({
      title: 'Band',
      description: 'x',
      parameters: {
        loadBar: { type: 'number', min: 4, max: 7.5, description: 'l' },
        minutes: { type: 'integer', min: 1, required: false, description: 'm' },
        mode: { type: 'enum', values: ['eco', 'full'], description: 'm' },
      },
    });
    expect(def.timeoutSeconds).toBe(60);
    const schema = commandParametersSchema(def);
    expect(schema.safeParse({ loadBar: 6, mode: 'eco' }).success).toBe(true);
    expect(schema.safeParse({ loadBar: 6, mode: 'eco', minutes: 1.5 }).error?.issues[0]?.path).toEqual(['minutes']);
    expect(schema.safeParse({ loadBar: 9, mode: 'eco' }).error?.issues[0]?.path).toEqual(['loadBar']);
    expect(schema.safeParse({ loadBar: 6, mode: 'turbo' }).error?.issues[0]?.path).toEqual(['mode']);
    expect(schema.safeParse({ loadBar: 6, mode: 'eco', extra: 1 }).success).toBe(false);
  });
});

/**
 * The `commands:` key of an equipment model: what the platform may ask a device to do. Each
 * command names its parameters (a small, closed type vocabulary turned into a zod schema when a
 * command is sent, so a bad value gets a 400 naming the field) and how long the device has to
 * answer. Kept in its own file so the model schema only gains one key.
 */
import { z } from 'zod';

export const COMMAND_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const PARAMETER_NAME = /^[a-z][a-zA-Z0-9_]{0,62}$/;

export const commandParameterSchema = z
  .object({
    type: z.enum(['number', 'integer', 'boolean', 'string', 'enum']),
    description: z.string().min(1),
    /** Optional parameters may be left out; required by default. */
    required: z.boolean().default(true),
    /** number/integer: inclusive bounds. */
    min: z.number().optional(),
    max: z.number().optional(),
    unit: z.string().min(1).optional(),
    /** enum: the allowed values. */
    values: z.array(z.string().min(1)).min(1).optional(),
    /** string: longest value. Default 200. */
    maxLength: z.number().int().positive().max(4096).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.type === 'enum' && !p.values) ctx.addIssue({ code: 'custom', path: ['values'], message: 'an enum parameter needs values' });
    if (p.type !== 'enum' && p.values) ctx.addIssue({ code: 'custom', path: ['values'], message: 'values is for enum parameters' });
    if (p.min !== undefined && p.max !== undefined && p.min > p.max) ctx.addIssue({ code: 'custom', path: ['max'], message: 'max must not be below min' });
  });

export const commandDefinitionSchema = z
  .object({
    title: z.string().min(1),
    description: z.string().min(1),
    parameters: z.record(z.string().regex(PARAMETER_NAME, 'parameter names are camelCase or snake_case'), commandParameterSchema).default({}),
    /**
     * Seconds the device has to report a final result after the command was created. Past it the
     * command is `timed_out`, and a device that receives it later (offline, persistent session)
     * must drop it (the payload carries `expiresAt`; MQTT 5 brokers also expire it).
     */
    timeoutSeconds: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 3600)
      .default(60),
    /** Roles allowed to send it besides admin. Default: dispatchers and technicians. */
    roles: z.array(z.enum(['dispatcher', 'technician'])).default(['dispatcher', 'technician']),
  })
  .strict();

export const commandsSchema = z.record(z.string().regex(COMMAND_NAME, 'command names are snake_case'), commandDefinitionSchema).default({});

export type CommandDefinition = z.infer<typeof commandDefinitionSchema>;
export type CommandParameter = z.infer<typeof commandParameterSchema>;

function parameterSchema(p: CommandParameter): z.ZodType {
  let schema: z.ZodType;
  switch (p.type) {
    case 'number':
    case 'integer': {
      let n = p.type === 'integer' ? z.number().int() : z.number();
      if (p.min !== undefined) n = n.min(p.min);
      if (p.max !== undefined) n = n.max(p.max);
      schema = n;
      break;
    }
    case 'boolean':
      schema = z.boolean();
      break;
    case 'string':
      schema = z
        .string()
        .min(1)
        .max(p.maxLength ?? 200);
      break;
    case 'enum':
      schema = z.enum(p.values as [string, ...string[]]);
      break;
  }
  return p.required ? schema : schema.optional();
}

/** The zod schema of a command's parameters object (unknown parameters refused). */
export function commandParametersSchema(def: CommandDefinition): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, p] of Object.entries(def.parameters)) shape[name] = parameterSchema(p);
  return z.object(shape).strict() as unknown as z.ZodType<Record<string, unknown>>;
}

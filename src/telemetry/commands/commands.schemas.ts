/** Contracts of the command routes, and of the messages exchanged with devices. */
import { z } from 'zod';
import { pageQueryShape, pageSchema } from '../../kernel/http/paging.schemas.js';

export const COMMAND_STATES = ['pending', 'sent', 'acknowledged', 'succeeded', 'failed', 'timed_out'] as const;
export type CommandState = (typeof COMMAND_STATES)[number];
/** States in which a device answer may still change the command. */
export const OPEN_STATES: readonly CommandState[] = ['pending', 'sent', 'acknowledged'];

export const sendCommandBody = z
  .object({
    command: z.string().min(1).max(63).describe("A command of the asset's model (GET /api/v1/models/{id})"),
    parameters: z.record(z.string(), z.unknown()).default({}).describe("The command's parameters, checked against the model"),
    ticketId: z.uuid().optional().describe('The ticket this command is part of (shown on the ticket)'),
  })
  .strict();
export type SendCommand = z.infer<typeof sendCommandBody>;

export const commandSchema = z.object({
  id: z.uuid().describe('Correlation id: the device answers with it'),
  assetId: z.uuid(),
  deviceId: z.string(),
  ticketId: z.uuid().nullable(),
  command: z.string(),
  parameters: z.record(z.string(), z.unknown()),
  state: z.enum(COMMAND_STATES),
  message: z.string().nullable().describe("The device's message with its last answer"),
  result: z.record(z.string(), z.unknown()).nullable().describe("The device's result data"),
  createdAt: z.string(),
  expiresAt: z.string(),
  sentAt: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  createdBy: z.object({ type: z.string(), id: z.string() }),
});
export type Command = z.infer<typeof commandSchema>;

export const commandPage = pageSchema(commandSchema);
/** One command with its audit trail (who created it, each state change and who caused it). */
export const commandDetailSchema = commandSchema.extend({
  history: z.array(
    z.object({ at: z.string(), action: z.string(), actor: z.object({ type: z.string(), id: z.string() }), changes: z.record(z.string(), z.unknown()) }),
  ),
});
export type CommandDetail = z.infer<typeof commandDetailSchema>;
export const listCommandsQuery = z.object({ ...pageQueryShape, state: z.enum(COMMAND_STATES).optional() });
export type ListCommands = z.infer<typeof listCommandsQuery>;
export const idParams = z.object({ id: z.uuid() });

/** What a device publishes on devices/{id}/command-results. */
export const commandResultMessage = z
  .object({
    id: z.uuid(),
    status: z.enum(['acknowledged', 'succeeded', 'failed']),
    message: z.string().max(1000).optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type CommandResultMessage = z.infer<typeof commandResultMessage>;

/** What the platform publishes on devices/{id}/commands. */
export interface CommandMessage {
  readonly id: string;
  readonly command: string;
  readonly parameters: Record<string, unknown>;
  readonly expiresAt: string;
  /** Where to answer (also the MQTT 5 response topic). */
  readonly responseTopic: string;
}

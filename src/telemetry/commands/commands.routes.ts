/** Commands to devices: send one to an asset's device, read them on the asset and the ticket, stream their states. */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { callerOf } from '../../access/auth/principal.js';
import { registerEventStream, type EventStreamDeps } from '../../service/delivery/event-stream.route.js';
import { commandEventsChannel } from './command-channels.js';
import type { CommandsService } from './commands.service.js';
import { commandDetailSchema, commandPage, commandSchema, idParams, listCommandsQuery, sendCommandBody } from './commands.schemas.js';

/** Roles that may operate equipment; a model may narrow a command further (its `roles`). */
const operate = { roles: ['admin', 'dispatcher', 'technician'] } as const;
const read = { roles: ['admin', 'dispatcher', 'technician', 'agent'] } as const;
const tags = ['commands'];

export interface CommandsRoutesDeps {
  readonly commands: CommandsService;
  /** Where the live stream of command events is read from. */
  readonly stream: EventStreamDeps;
}

export async function commandsRoutes(app: ZodApp, { commands: service, stream }: CommandsRoutesDeps): Promise<void> {
  app.post(
    '/assets/:id/commands',
    {
      config: operate,
      schema: {
        tags,
        summary: "Send a command to the asset's device",
        description:
          "The command must be one of the asset's model (404 otherwise); its parameters are checked against the model (400 naming the field). " +
          'Answers 202 with the stored command (state `pending`); it is published on `devices/{deviceId}/commands` with QoS 1 and moves to ' +
          '`sent`, `acknowledged`, `succeeded` / `failed` as the device answers, or `timed_out`.',
        params: idParams,
        body: sendCommandBody,
        response: { 202: commandSchema },
      },
    },
    async (request, reply) => {
      const command = await service.send(request.params.id, request.body, callerOf(request));
      return reply.status(202).header('location', `/api/v1/commands/${command.id}`).send(command);
    },
  );

  app.get(
    '/assets/:id/commands',
    {
      config: read,
      schema: { tags, summary: "The asset's commands, newest first", params: idParams, querystring: listCommandsQuery, response: { 200: commandPage } },
    },
    async (request) => service.listForAsset(request.params.id, request.query),
  );

  app.get(
    '/tickets/:id/commands',
    {
      config: read,
      schema: {
        tags,
        summary: 'Commands sent as part of the ticket, newest first',
        params: idParams,
        querystring: listCommandsQuery,
        response: { 200: commandPage },
      },
    },
    async (request) => service.listForTicket(request.params.id, request.query),
  );

  app.get(
    '/commands/:id',
    { config: read, schema: { tags, summary: 'Read a command and its audit trail', params: idParams, response: { 200: commandDetailSchema } } },
    async (request) => service.get(request.params.id),
  );

  registerEventStream(app, stream, {
    url: '/stream/commands',
    name: 'the command stream',
    config: operate,
    schema: { tags, summary: 'Server-sent events: command.created, command.state_changed (no replay)' },
    channel: commandEventsChannel,
  });
}

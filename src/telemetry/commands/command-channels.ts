/**
 * How commands travel between processes, over Redis pub/sub like device revocations:
 * - dispatch: the API stores a command, then announces it; every process that talks to devices
 *   (the embedded broker, or the external-broker client) hears it and ONE of them publishes it
 *   (claimed with SET NX, so a cluster of brokers does not send it twice).
 * - events: every state change, for the live stream (SSE) of every API process.
 * A dispatch lost because no broker process was up leaves the command `pending` until it times out.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../kernel/logger.js';
import type { Command, CommandMessage } from './commands.schemas.js';

export const commandDispatchChannel = (prefix: string): string => `${prefix}:command-dispatch`;
export const commandEventsChannel = (prefix: string): string => `${prefix}:command-events`;
/** Key claimed by the one process that publishes a command. */
export const commandClaimKey = (prefix: string, id: string): string => `${prefix}:command-claimed:${id}`;

export interface CommandDispatch {
  readonly deviceId: string;
  /** Seconds until it expires (the MQTT 5 message expiry interval). */
  readonly expirySeconds: number;
  readonly message: CommandMessage;
}

export const COMMAND_EVENT_TYPES = ['command.created', 'command.state_changed'] as const;
export type CommandEventType = (typeof COMMAND_EVENT_TYPES)[number];

export interface CommandEvent {
  readonly id: string;
  readonly type: CommandEventType;
  readonly at: string;
  readonly command: Command;
}

/** The port the commands service publishes through. */
export interface CommandBus {
  dispatch(dispatch: CommandDispatch): Promise<void>;
  stateChanged(type: CommandEventType, command: Command): Promise<void>;
}

export class RedisCommandBus implements CommandBus {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  async dispatch(dispatch: CommandDispatch): Promise<void> {
    await this.redis.publish(commandDispatchChannel(this.prefix), JSON.stringify(dispatch));
  }

  async stateChanged(type: CommandEventType, command: Command): Promise<void> {
    const event: CommandEvent = { id: `${command.id}:${command.state}`, type, at: new Date().toISOString(), command };
    try {
      await this.redis.publish(commandEventsChannel(this.prefix), JSON.stringify(event));
    } catch (error) {
      this.logger.warn({ err: error, commandId: command.id }, 'command event not published on the stream');
    }
  }
}

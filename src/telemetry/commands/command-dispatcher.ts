/**
 * The broker side of command dispatch: listens on the dispatch channel, claims each command (one
 * process of a broker cluster publishes it), publishes it on devices/{id}/commands with QoS 1
 * through whichever broker this process talks to, and marks it `sent`.
 */
import type { Redis } from 'ioredis';
import type { RedisConnector } from '../../kernel/redis.js';
import type { Logger } from '../../kernel/logger.js';
import { commandClaimKey, commandDispatchChannel, type CommandDispatch } from './command-channels.js';

export interface CommandPublishOptions {
  /** MQTT 5 message expiry interval, in seconds (brokers that speak MQTT 5 drop it after). */
  readonly expirySeconds: number;
  /** MQTT 5 correlation data and response topic (the same values are in the payload). */
  readonly correlationId: string;
  readonly responseTopic: string;
}

/** The embedded broker (TelemetryBroker) or the external-broker client. */
export interface CommandPublisher {
  publishCommand(deviceId: string, payload: Buffer, options: CommandPublishOptions): Promise<void>;
}

/** Publishes through every publisher (the embedded broker and an external one, when both run). */
export function allOf(publishers: readonly CommandPublisher[]): CommandPublisher {
  if (publishers.length === 1) return publishers[0]!;
  return {
    publishCommand: async (deviceId, payload, options) => {
      if (publishers.length === 0) throw new Error('no broker to publish commands through');
      await Promise.all(publishers.map((p) => p.publishCommand(deviceId, payload, options)));
    },
  };
}

export interface CommandDispatcherOptions {
  /** A connection to duplicate for the subscription and to claim commands with. */
  readonly redis: Redis;
  readonly prefix: string;
  readonly publisher: CommandPublisher;
  readonly commands: { markSent(id: string): Promise<void> };
  readonly logger: Logger;
  /** The platform's Redis connector: the subscription's outages are logged once, not per attempt. */
  readonly connector?: RedisConnector | undefined;
}

export class CommandDispatcher {
  private subscriber: Redis | undefined;
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly options: CommandDispatcherOptions) {}

  async start(): Promise<void> {
    const connector = this.options.connector;
    const subscriber = connector ? connector.connect('command-dispatch') : this.options.redis.duplicate({ connectionName: 'telemend-command-dispatch' });
    if (!connector) subscriber.on('error', (error) => this.options.logger.warn({ err: error }, 'command dispatch: redis error'));
    subscriber.on('message', (_channel: string, raw: string) => {
      const done = this.handle(raw).finally(() => this.inflight.delete(done));
      this.inflight.add(done);
    });
    await subscriber.subscribe(commandDispatchChannel(this.options.prefix));
    this.subscriber = subscriber;
  }

  async stop(): Promise<void> {
    await this.subscriber?.quit().catch(() => undefined);
    this.subscriber = undefined;
    await Promise.allSettled([...this.inflight]);
  }

  private async handle(raw: string): Promise<void> {
    const { redis, prefix, publisher, commands, logger } = this.options;
    let dispatch: CommandDispatch;
    try {
      dispatch = JSON.parse(raw) as CommandDispatch;
    } catch {
      return;
    }
    const { deviceId, message, expirySeconds } = dispatch;
    try {
      const claimed = await redis.set(commandClaimKey(prefix, message.id), '1', 'EX', Math.max(60, expirySeconds * 2), 'NX');
      if (claimed !== 'OK') return;
      await publisher.publishCommand(deviceId, Buffer.from(JSON.stringify(message)), {
        expirySeconds,
        correlationId: message.id,
        responseTopic: message.responseTopic,
      });
      await commands.markSent(message.id);
      logger.debug({ commandId: message.id, deviceId }, 'command published');
    } catch (error) {
      logger.warn({ err: error, commandId: message.id, deviceId }, 'command not published; it stays pending until it times out');
    }
  }
}

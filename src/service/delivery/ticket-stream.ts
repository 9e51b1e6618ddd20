/**
 * The fan-out behind the SSE route: ONE Redis subscriber per API process on
 * `${prefix}:ticket-events` (events may be published by any process: API or worker), handing each
 * message to every connected client. Subscribes on the first client; closes with the app.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../kernel/logger.js';
import { ticketEventsChannel } from './ticket-events.js';

export type StreamListener = (message: string) => void;

export class TicketStreamHub {
  private readonly listeners = new Set<StreamListener>();
  private subscriber?: Redis;
  private ready?: Promise<void>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
    /** The pub/sub channel relayed; ticket events unless told (the command stream reuses the hub). */
    private readonly channel: string = ticketEventsChannel(prefix),
  ) {}

  /** Resolves once the channel is subscribed (events published after that are received). */
  async add(listener: StreamListener): Promise<() => void> {
    this.listeners.add(listener);
    try {
      await this.connect();
    } catch (error) {
      this.listeners.delete(listener);
      throw error;
    }
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }

  async close(): Promise<void> {
    this.listeners.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.ready = undefined;
    await subscriber?.quit().catch(() => undefined);
  }

  private connect(): Promise<void> {
    if (!this.ready) {
      const subscriber = this.redis.duplicate({ connectionName: 'telemend-ticket-stream' });
      subscriber.on('error', (error) => this.logger.debug({ err: error }, 'ticket stream redis error'));
      subscriber.on('message', (_channel: string, message: string) => {
        for (const listener of this.listeners) listener(message);
      });
      this.subscriber = subscriber;
      this.ready = subscriber.subscribe(this.channel).then(() => undefined);
      this.ready.catch(() => {
        this.ready = undefined;
        this.subscriber = undefined;
        void subscriber.quit().catch(() => undefined);
      });
    }
    return this.ready;
  }
}

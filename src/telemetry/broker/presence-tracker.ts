/**
 * Forwards connect/disconnect to DevicePresence in order per device, and batches last-seen
 * stamps: every accepted publish updates an in-memory map that is flushed to
 * `DevicePresence.seen` every `flushMs` and on stop. Presence is best effort — a failing
 * store is logged, never allowed to affect the MQTT session.
 */
import type { DevicePresence } from '../devices/devices.types.js';
import type { Logger } from '../../kernel/logger.js';

export class PresenceTracker {
  /** Epoch ms per device: a number, not a Date per publish (this runs for every reading). */
  private seenStamps = new Map<string, number>();
  /** Last pending call per device, so `disconnected` never overtakes `connected`. */
  private readonly chains = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly presence: DevicePresence,
    private readonly logger: Logger,
    private readonly flushMs: number,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  connected(deviceId: string, at = new Date()): void {
    this.chain(deviceId, 'connected', () => this.presence.connected(deviceId, at));
  }

  disconnected(deviceId: string, at = new Date()): void {
    this.chain(deviceId, 'disconnected', () => this.presence.disconnected(deviceId, at));
  }

  seen(deviceId: string, at?: Date): void {
    this.seenStamps.set(deviceId, at ? at.getTime() : Date.now());
  }

  /** Hands the stamps gathered so far to DevicePresence.seen (one call at a time). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.seenStamps.size === 0) return;
      const stamps = new Map<string, Date>();
      for (const [deviceId, ms] of this.seenStamps) stamps.set(deviceId, new Date(ms));
      this.seenStamps = new Map();
      try {
        await this.presence.seen(stamps);
      } catch (err) {
        this.logger.warn({ err, devices: stamps.size }, 'presence: last-seen flush failed');
      }
    });
    return this.flushing;
  }

  /** Stops the timer, waits for pending connect/disconnect calls and flushes last-seen. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.chains.values());
    await this.flush();
  }

  private chain(deviceId: string, what: string, call: () => Promise<void>): void {
    const previous = this.chains.get(deviceId) ?? Promise.resolve();
    const next = previous
      .then(call)
      .catch((err: unknown) => this.logger.warn({ err, deviceId }, `presence: ${what} failed`))
      .finally(() => {
        if (this.chains.get(deviceId) === next) this.chains.delete(deviceId);
      });
    this.chains.set(deviceId, next);
  }
}

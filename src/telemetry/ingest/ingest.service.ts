/**
 * The MQTT edge's port into ingest: validate a publish against the device's model, then either
 * journal it (resolving only once it is durable, so the broker may acknowledge it) or record
 * the rejection. Knows nothing of MQTT or InfluxDB.
 */
import type { DeviceIdentity } from '../devices/devices.types.js';
import type { ModelRegistry } from '../models/models.registry.js';
import type { Logger } from '../../kernel/logger.js';
import type { IngestChannel, IngestResult, RejectionReason, TelemetryIngest } from './ingest.types.js';
import { eventLines, telemetryLines } from './line-protocol.js';
import type { RejectionInput } from './rejection-log.js';
import type { JournalEntry } from '../journal/telemetry-journal.js';
import { validateEvents, validateTelemetry, type Validation } from './telemetry.validator.js';

type Failure = Extract<Validation<never>, { ok: false }>;

/** What the service needs from the journal and the rejection log (TelemetryJournal, RejectionLog). */
export interface JournalPort {
  append(entry: JournalEntry): Promise<string>;
}
export interface RejectionPort {
  record(input: RejectionInput): Promise<void>;
}

export interface IngestServiceOptions {
  readonly models: ModelRegistry;
  readonly journal: JournalPort;
  readonly rejections: RejectionPort;
  /** TELEMETRY_MAX_FUTURE_MS. */
  readonly maxFutureMs: number;
  /** Most readings/events in one publish. Default 1000. */
  readonly maxItemsPerPublish?: number;
  /** Epoch ms. Default Date.now. */
  readonly clock?: () => number;
  /** Where a failure to record a rejection is reported. Optional. */
  readonly logger?: Logger;
}

export interface IngestStats {
  /** Publishes journaled. */
  accepted: number;
  /** Readings and events journaled. */
  items: number;
  /** Publishes refused as invalid. */
  rejected: number;
  byReason: Partial<Record<RejectionReason, number>>;
  /** Appends that failed (journal full or Redis unavailable): the broker refused those publishes. */
  journalFailures: number;
}

export class IngestService implements TelemetryIngest {
  private readonly clock: () => number;
  private readonly counters: IngestStats = { accepted: 0, items: 0, rejected: 0, byReason: {}, journalFailures: 0 };

  constructor(private readonly options: IngestServiceOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /**
   * Not async on purpose: this runs for every publish, and a plain promise chain on the
   * journal's (shared, per group commit) promise allocates less than async/await layers.
   */
  accept(device: DeviceIdentity, channel: IngestChannel, payload: Buffer): Promise<IngestResult> {
    try {
      const entry = this.validate(device, channel, payload);
      if (!entry.ok) return this.reject(device, channel, payload, entry.reason, entry.detail).then(() => entry);
      const accepted = entry.entry.items.length;
      return this.options.journal.append(entry.entry).then(
        () => {
          this.counters.accepted++;
          this.counters.items += accepted;
          return { ok: true, accepted };
        },
        (error: unknown) => {
          this.counters.journalFailures++;
          throw error;
        },
      );
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  stats(): IngestStats {
    return { ...this.counters, byReason: { ...this.counters.byReason } };
  }

  /** Validates and, when valid, builds the journal entry (line protocol included). */
  private validate(device: DeviceIdentity, channel: IngestChannel, payload: Buffer): Failure | { ok: true; entry: JournalEntry } {
    const model = this.options.models.get(device.modelId);
    if (!model) {
      return { ok: false, reason: channel === 'events' ? 'unknown_event' : 'unknown_metric', detail: `model ${device.modelId} is not loaded` };
    }
    const options = { now: this.clock(), maxFutureMs: this.options.maxFutureMs, maxItems: this.options.maxItemsPerPublish ?? 1000 };
    if (channel === 'telemetry') {
      const readings = validateTelemetry(payload, model, options);
      if (!readings.ok) return readings;
      return { ok: true, entry: { device, channel, lines: telemetryLines(device, readings.items), items: readings.items } };
    }
    const events = validateEvents(payload, model, options);
    if (!events.ok) return events;
    return { ok: true, entry: { device, channel, lines: eventLines(device, events.items), items: events.items } };
  }

  private async reject(device: DeviceIdentity, channel: IngestChannel, payload: Buffer, reason: RejectionReason, detail: string): Promise<void> {
    this.counters.rejected++;
    this.counters.byReason[reason] = (this.counters.byReason[reason] ?? 0) + 1;
    try {
      await this.options.rejections.record({
        deviceId: device.deviceId,
        assetId: device.assetId,
        reason,
        detail,
        topic: `devices/${device.deviceId}/${channel}`,
        payloadSample: payload.subarray(0, 512).toString('utf8'),
      });
    } catch (error) {
      // The publish is refused either way; losing its dead-letter copy must not fail the device.
      this.options.logger?.error({ err: error, deviceId: device.deviceId, reason }, 'could not record a rejection');
    }
  }
}

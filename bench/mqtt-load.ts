/**
 * A lean MQTT load generator for the benchmarks: raw sockets, PUBLISH frames written by hand and
 * a byte-level reader for what comes back (mqtt-packet only for the CONNECT), so that the
 * generator spends as little CPU as possible on a 2-core machine it shares with the platform. Each connection keeps
 * `window` QoS 1 publishes in flight and sends the next one when a PUBACK arrives; or, with
 * `rate`, the devices publish in turn at that total rate (each device at a fixed interval,
 * devices/rate seconds), still never more than `window` unacknowledged per connection.
 */
import net from 'node:net';
import mqttPacket from 'mqtt-packet';

export interface LoadDevice {
  username: string;
  password: string;
  topic: string;
}

export interface LoadOptions {
  port: number;
  devices: readonly LoadDevice[];
  /** Publishes in flight per connection. */
  window: number;
  durationMs: number;
  /** Builds the payload of the n-th publish of device i. */
  payload: (i: number, n: number) => string;
  onTick?: (acked: number) => void;
  /** Total publishes per second over all devices. Default: as fast as PUBACKs come back. */
  rate?: number;
}

export interface LoadResult {
  acked: number;
  sent: number;
  connected: number;
  refused: number;
  elapsedMs: number;
  /** Rate-limited runs: publishes not sent on time because the device's window was full. */
  skipped: number;
}

/** A QoS 1 PUBLISH frame [MQTT-3.3]: fixed header, topic, packet id, payload. */
export function publishFrame(topic: Buffer, messageId: number, payload: string): Buffer {
  const remaining = 2 + topic.length + 2 + Buffer.byteLength(payload);
  let lengthBytes = 1;
  for (let x = remaining; x >= 128; x = Math.floor(x / 128)) lengthBytes++;
  const frame = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  frame[0] = 0x32;
  let o = 1;
  let x = remaining;
  do {
    let byte = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) byte |= 0x80;
    frame[o++] = byte;
  } while (x > 0);
  o = frame.writeUInt16BE(topic.length, o);
  o += topic.copy(frame, o);
  o = frame.writeUInt16BE(messageId, o);
  frame.write(payload, o, 'utf8');
  return frame;
}

/**
 * Splits the bytes a broker sends into packets: calls `onPacket(type, second byte of the body)`
 * per packet (CONNACK's return code; -1 when the body is shorter). Handles packets cut anywhere
 * across chunks, without allocating per packet.
 */
export class PacketReader {
  private header = -1;
  private length = 0;
  private multiplier = 1;
  private lengthDone = false;
  private left = 0;
  private read = 0;
  private second = -1;

  constructor(private readonly onPacket: (type: number, secondByte: number) => void) {}

  feed(chunk: Buffer): void {
    for (let i = 0; i < chunk.length;) {
      if (this.header < 0) {
        this.header = chunk[i++]!;
        this.length = 0;
        this.multiplier = 1;
        this.lengthDone = false;
        this.read = 0;
        this.second = -1;
        continue;
      }
      if (!this.lengthDone) {
        const byte = chunk[i++]!;
        this.length += (byte & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        if ((byte & 0x80) === 0) {
          this.lengthDone = true;
          this.left = this.length;
          if (this.left === 0) this.done();
        }
        continue;
      }
      const take = Math.min(this.left, chunk.length - i);
      if (this.read < 2 && this.read + take >= 2) this.second = chunk[i + 1 - this.read]!;
      this.read += take;
      i += take;
      this.left -= take;
      if (this.left === 0) this.done();
    }
  }

  private done(): void {
    const type = this.header >> 4;
    this.header = -1;
    this.onPacket(type, this.second);
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let acked = 0;
  let sent = 0;
  let connected = 0;
  let refused = 0;
  let skipped = 0;
  let running = true;
  const sockets: net.Socket[] = [];
  const senders: { send: () => void; inflight: () => number }[] = [];

  const ready = options.devices.map(
    (device, i) =>
      new Promise<void>((resolve) => {
        const socket = net.connect(options.port, '127.0.0.1');
        socket.setNoDelay(true);
        sockets.push(socket);
        const topic = Buffer.from(device.topic, 'utf8');
        let n = 0;
        let unacked = 0;
        const send = () => {
          if (!running) return;
          socket.write(publishFrame(topic, (n % 65000) + 1, options.payload(i, n++)));
          sent++;
          unacked++;
        };
        senders[i] = { send, inflight: () => unacked };
        const reader = new PacketReader((type, secondByte) => {
          if (type === 2) {
            // CONNACK: return code in its second byte.
            if (secondByte !== 0) refused++;
            else connected++;
            resolve();
            // Start when every device is connected (see below).
          } else if (type === 4) {
            // PUBACK
            acked++;
            unacked--;
            if (options.rate === undefined) send();
          }
        });
        socket.on('data', (chunk: Buffer) => reader.feed(chunk));
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.on('connect', () =>
          socket.write(
            mqttPacket.generate({
              cmd: 'connect',
              protocolId: 'MQTT',
              protocolVersion: 4,
              clean: true,
              clientId: device.username,
              keepalive: 60,
              username: device.username,
              password: Buffer.from(device.password),
            }),
          ),
        );
        (socket as net.Socket & { start?: () => void }).start = () => {
          if (options.rate === undefined) for (let k = 0; k < options.window; k++) send();
        };
      }),
  );
  await Promise.all(ready);
  const started = Date.now();
  for (const s of sockets) (s as net.Socket & { start?: () => void }).start?.();
  const tick = options.onTick ? setInterval(() => options.onTick!(acked), 1000) : undefined;
  // Rate-limited: every 5 ms, the publishes due so far go out, device after device in turn.
  let turn = 0;
  let due = 0;
  const pacer =
    options.rate === undefined
      ? undefined
      : setInterval(() => {
          const target = Math.floor(((Date.now() - started) / 1000) * options.rate!);
          for (; due < target; due++) {
            const sender = senders[turn++ % senders.length];
            if (!sender) continue;
            if (sender.inflight() >= options.window) skipped++;
            else sender.send();
          }
        }, 5);
  await new Promise((r) => setTimeout(r, options.durationMs));
  running = false;
  if (pacer) clearInterval(pacer);
  const elapsedMs = Date.now() - started;
  const result = { acked, sent, connected, refused, elapsedMs, skipped };
  if (tick) clearInterval(tick);
  for (const s of sockets) s.destroy();
  return result;
}

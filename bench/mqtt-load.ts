/**
 * A lean MQTT load generator for the benchmarks: raw sockets and mqtt-packet, so that the
 * generator spends as little CPU as possible on a 2-core machine. Each connection keeps
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
        const parser = mqttPacket.parser({ protocolVersion: 4 });
        let n = 0;
        let unacked = 0;
        const send = () => {
          if (!running) return;
          const messageId = (n % 65000) + 1;
          socket.write(
            mqttPacket.generate({
              cmd: 'publish',
              topic: device.topic,
              payload: options.payload(i, n++),
              qos: 1,
              messageId,
              dup: false,
              retain: false,
            }),
          );
          sent++;
          unacked++;
        };
        senders[i] = { send, inflight: () => unacked };
        parser.on('packet', (packet) => {
          if (packet.cmd === 'connack') {
            if (packet.returnCode !== 0) {
              refused++;
              resolve();
              return;
            }
            connected++;
            resolve();
            // Start when every device is connected (see below).
          } else if (packet.cmd === 'puback') {
            acked++;
            unacked--;
            if (options.rate === undefined) send();
          }
        });
        socket.on('data', (chunk) => parser.parse(chunk));
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

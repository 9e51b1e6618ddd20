/**
 * A lean MQTT load generator for the benchmarks: raw sockets and mqtt-packet, so that the
 * generator spends as little CPU as possible on a 2-core machine. Each connection keeps
 * `window` QoS 1 publishes in flight and sends the next one when a PUBACK arrives.
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
}

export interface LoadResult {
  acked: number;
  sent: number;
  connected: number;
  refused: number;
  elapsedMs: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let acked = 0;
  let sent = 0;
  let connected = 0;
  let refused = 0;
  let running = true;
  const sockets: net.Socket[] = [];

  const ready = options.devices.map(
    (device, i) =>
      new Promise<void>((resolve) => {
        const socket = net.connect(options.port, '127.0.0.1');
        socket.setNoDelay(true);
        sockets.push(socket);
        const parser = mqttPacket.parser({ protocolVersion: 4 });
        let n = 0;
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
        };
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
            send();
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
          for (let k = 0; k < options.window; k++) send();
        };
      }),
  );
  await Promise.all(ready);
  const started = Date.now();
  for (const s of sockets) (s as net.Socket & { start?: () => void }).start?.();
  const tick = options.onTick ? setInterval(() => options.onTick!(acked), 1000) : undefined;
  await new Promise((r) => setTimeout(r, options.durationMs));
  running = false;
  const elapsedMs = Date.now() - started;
  const result = { acked, sent, connected, refused, elapsedMs };
  if (tick) clearInterval(tick);
  for (const s of sockets) s.destroy();
  return result;
}

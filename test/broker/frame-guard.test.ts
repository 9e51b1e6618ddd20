/** The fixed-header frame guard on crafted byte sequences, and its stream wrapper. */
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { GuardedConnection, MqttFrameGuard, type FrameViolation } from '../../src/telemetry/broker/frame-guard.js';

function varint(n: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return bytes;
}

/** A packet of the given type whose body is `bodyLength` filler bytes. */
function packet(type: number, bodyLength: number): Buffer {
  return Buffer.concat([Buffer.from([type, ...varint(bodyLength)]), Buffer.alloc(bodyLength, 0x55)]);
}

function feed(guard: MqttFrameGuard, chunks: Buffer[]): FrameViolation | null {
  for (const chunk of chunks) {
    const v = guard.check(chunk);
    if (v) return v;
  }
  return null;
}

function splitEvery(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

describe('MqttFrameGuard', () => {
  it('accepts several small packets in one chunk', () => {
    const chunk = Buffer.concat([packet(0xc0, 0), packet(0x30, 20), packet(0xc0, 0), packet(0x32, 100)]);
    expect(new MqttFrameGuard(128).check(chunk)).toBeNull();
  });

  it('counts the whole packet: exactly the limit passes, one byte more is refused', () => {
    // 1 type byte + 2 length bytes (200 needs two) + 197 body = 200
    expect(new MqttFrameGuard(200).check(packet(0x30, 197))).toBeNull();
    expect(new MqttFrameGuard(200).check(packet(0x30, 198))).toEqual({ reason: 'too_large', size: 201 });
  });

  it('refuses at the header, before any body byte arrives', () => {
    const header = Buffer.from([0x30, ...varint(200 * 1024 * 1024)]);
    expect(new MqttFrameGuard(65536).check(header)).toEqual({ reason: 'too_large', size: 1 + 4 + 200 * 1024 * 1024 });
  });

  it('tracks a remaining-length varint split across chunks', () => {
    const guard = new MqttFrameGuard(1000);
    const [b1, b2, b3] = varint(300_000);
    expect(guard.check(Buffer.from([0x30]))).toBeNull();
    expect(guard.check(Buffer.from([b1 as number]))).toBeNull();
    expect(guard.check(Buffer.from([b2 as number]))).toBeNull();
    expect(guard.check(Buffer.from([b3 as number]))).toMatchObject({ reason: 'too_large' });
  });

  it('finds the next header after a body split over many chunks', () => {
    const stream = Buffer.concat([packet(0x30, 900), packet(0xc0, 0), packet(0x30, 900), packet(0x30, 5000)]);
    for (const size of [1, 2, 3, 7, 64, 901]) {
      expect(feed(new MqttFrameGuard(1000), splitEvery(stream, size))).toEqual({ reason: 'too_large', size: 5003 });
    }
  });

  it('refuses a remaining length longer than four bytes [MQTT-2.2.3]', () => {
    expect(new MqttFrameGuard(1000).check(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))).toEqual({ reason: 'malformed_length' });
  });

  it('never refuses a random stream of packets under the limit, however it is cut', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const packets: Buffer[] = [];
    for (let i = 0; i < 300; i += 1) packets.push(packet(0x30 | rand(4), rand(3000)));
    const stream = Buffer.concat(packets);
    const guard = new MqttFrameGuard(3005);
    let offset = 0;
    while (offset < stream.length) {
      const size = 1 + rand(500);
      expect(guard.check(stream.subarray(offset, offset + size))).toBeNull();
      offset += size;
    }
    // and it is still in step: the next oversized header is caught
    expect(guard.check(packet(0x30, 4000))).toMatchObject({ reason: 'too_large' });
  });

  it('notices DISCONNECT', () => {
    const guard = new MqttFrameGuard(100);
    guard.check(Buffer.concat([packet(0x30, 10), packet(0xc0, 0)]));
    expect(guard.disconnectSeen).toBe(false);
    guard.check(Buffer.from([0xe0, 0x00]));
    expect(guard.disconnectSeen).toBe(true);
  });
});

function fakeSocket(): { inner: Duplex; written: Buffer[] } {
  const written: Buffer[] = [];
  const inner = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk);
      cb();
    },
  });
  return { inner, written };
}

describe('GuardedConnection', () => {
  it('passes bytes both ways unchanged', async () => {
    const { inner, written } = fakeSocket();
    const conn = new GuardedConnection(inner, 1000, () => undefined, '10.0.0.1');
    const data = Buffer.concat([packet(0x10, 30), packet(0xc0, 0)]);
    const read = new Promise<Buffer>((resolve) => conn.once('data', resolve));
    inner.push(data);
    expect(await read).toEqual(data);
    await new Promise<void>((resolve, reject) => conn.write(Buffer.from([0x20, 0x02, 0, 0]), (err) => (err ? reject(err) : resolve())));
    expect(Buffer.concat(written)).toEqual(Buffer.from([0x20, 0x02, 0, 0]));
    expect(conn.remoteAddress).toBe('10.0.0.1');
    conn.destroy();
  });

  it('destroys itself and the socket on an oversized header, without passing it on', async () => {
    const { inner } = fakeSocket();
    const violations: FrameViolation[] = [];
    const conn = new GuardedConnection(inner, 1000, (v) => violations.push(v));
    const passed: Buffer[] = [];
    conn.on('data', (c: Buffer) => passed.push(c));
    const closed = new Promise((r) => conn.once('close', r));
    inner.push(packet(0x30, 10));
    inner.push(Buffer.from([0x30, ...varint(5_000_000)]));
    await closed;
    expect(violations).toEqual([{ reason: 'too_large', size: 5_000_005 }]);
    expect(inner.destroyed).toBe(true);
    expect(Buffer.concat(passed)).toEqual(packet(0x30, 10));
  });

  it('ends when the socket ends, and destroys the socket when destroyed', async () => {
    const { inner } = fakeSocket();
    const conn = new GuardedConnection(inner, 1000, () => undefined);
    conn.resume();
    const ended = new Promise((r) => conn.once('end', r));
    inner.push(null);
    await ended;
    conn.destroy();
    expect(inner.destroyed).toBe(true);
  });
});

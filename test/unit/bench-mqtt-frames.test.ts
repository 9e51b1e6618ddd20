/** The benchmark load generator's hand-written MQTT frames must be what mqtt-packet reads and writes. */
import mqttPacket from 'mqtt-packet';
import { expect, test } from 'vitest';
import { PacketReader, publishFrame } from '../../bench/mqtt-load.js';

test('publishFrame writes a QoS 1 PUBLISH that mqtt-packet parses back, at every length size', () => {
  for (const size of [0, 5, 120, 200, 16_400, 2_100_000]) {
    const payload = 'é'.repeat(size >> 1) + 'x'.repeat(size & 1);
    const packets: mqttPacket.Packet[] = [];
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p) => packets.push(p));
    parser.parse(publishFrame(Buffer.from('devices/d-1/telemetry'), 4242, payload));
    expect(packets, `payload of ${size} characters`).toHaveLength(1);
    expect(packets[0]).toMatchObject({ cmd: 'publish', qos: 1, dup: false, retain: false, topic: 'devices/d-1/telemetry', messageId: 4242 });
    expect((packets[0] as mqttPacket.IPublishPacket).payload.toString('utf8')).toBe(payload);
  }
});

test('PacketReader finds each packet and CONNACK return code however the bytes are cut', () => {
  const stream = Buffer.concat([
    mqttPacket.generate({ cmd: 'connack', returnCode: 5, sessionPresent: false }),
    ...[1, 2, 300].map((messageId) => mqttPacket.generate({ cmd: 'puback', messageId })),
    mqttPacket.generate({ cmd: 'pingresp' }),
    mqttPacket.generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(200, 1), qos: 0, dup: false, retain: false }),
    mqttPacket.generate({ cmd: 'puback', messageId: 7 }),
  ]);
  for (let cut = 1; cut <= stream.length; cut++) {
    const seen: string[] = [];
    const reader = new PacketReader((type, secondByte) => seen.push(type === 2 ? `connack:${secondByte}` : String(type)));
    for (let i = 0; i < stream.length; i += cut) reader.feed(stream.subarray(i, i + cut));
    expect(seen, `chunks of ${cut} bytes`).toEqual(['connack:5', '4', '4', '4', '13', '3', '4']);
  }
});

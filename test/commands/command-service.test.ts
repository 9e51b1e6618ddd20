/**
 * CommandsService against a real database (PGlite, or PostgreSQL in test:postgres): a command
 * nobody answers times out (audited, announced), answers after the deadline change nothing, and
 * the model's `roles` narrow who may send a command.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openTestDatabase } from '../harness/database.js';
import type { Database } from '../../src/kernel/db/database.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { CommandsService } from '../../src/telemetry/commands/commands.service.js';
import type { CommandBus, CommandDispatch } from '../../src/telemetry/commands/command-channels.js';
import type { Command } from '../../src/telemetry/commands/commands.schemas.js';

let db: Database;
let assetId: string;
const deviceId = 'd-timeouts0000001';
const events: { type: string; command: Command }[] = [];
const dispatched: CommandDispatch[] = [];
/** Records what the service announces (the Redis bus is exercised by test/commands/commands.test.ts). */
const bus: CommandBus = {
  dispatch: async (d) => void dispatched.push(d),
  stateChanged: async (type, command) => void events.push({ type, command }),
};
let service: CommandsService;

beforeAll(async () => {
  db = await openTestDatabase();
  const models = await ModelRegistry.fromDirectory('devices');
  const pump = models.get('centrifugal-pump-cp80')!;
  // The demo model's commands with a 1 s timeout, so the test does not wait 30 s.
  const quick = { ...pump, commands: Object.fromEntries(Object.entries(pump.commands).map(([k, c]) => [k, { ...c, timeoutSeconds: 1 }])) };
  const registry = ModelRegistry.of([quick]);
  await registry.sync(db);
  const {
    rows: [customer],
  } = await db.query<{ id: string }>(`INSERT INTO customers (name) VALUES ('C') RETURNING id`);
  const {
    rows: [site],
  } = await db.query<{ id: string }>(`INSERT INTO sites (customer_id, name) VALUES ($1, 'S') RETURNING id`, [customer!.id]);
  const {
    rows: [asset],
  } = await db.query<{ id: string }>(`INSERT INTO assets (site_id, model_id, serial_number) VALUES ($1, $2, 'SN-1') RETURNING id`, [site!.id, pump.id]);
  assetId = asset!.id;
  await db.query(`INSERT INTO devices (id, asset_id, token_hash, status) VALUES ($1, $2, 'x', 'active')`, [deviceId, assetId]);
  service = new CommandsService(db, registry, bus);
});
afterAll(async () => {
  await db?.close();
});

const admin = { role: 'admin' as const, actor: { type: 'user' as const, id: 'u-1' } };

describe('command lifecycle', () => {
  test('an unanswered command times out; a late answer changes nothing', async () => {
    const command = await service.send(assetId, { command: 'reset_trip', parameters: { code: 'VFD-OC' } }, admin);
    expect(dispatched.at(-1)).toMatchObject({ deviceId, expirySeconds: 1, message: { id: command.id, command: 'reset_trip', parameters: { code: 'VFD-OC' } } });
    await service.markSent(command.id);
    expect(await service.sweepTimeouts()).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await service.sweepTimeouts()).toBe(1);
    const after = await service.get(command.id);
    expect(after.state).toBe('timed_out');
    expect(after.history.map((h) => h.action)).toEqual(['created', 'sent', 'timed_out']);
    expect(events.map((e) => `${e.type}:${e.command.state}`)).toEqual([
      'command.created:pending',
      'command.state_changed:sent',
      'command.state_changed:timed_out',
    ]);

    const late = await service.recordResult(deviceId, Buffer.from(JSON.stringify({ id: command.id, status: 'succeeded' })));
    expect(late).toMatchObject({ ok: false, reason: 'not_open' });
    expect((await service.get(command.id)).state).toBe('timed_out');
  });

  test("another device cannot answer a command, and the model's roles narrow who may send it", async () => {
    const command = await service.send(assetId, { command: 'set_speed', parameters: { percent: 40 } }, admin);
    const foreign = await service.recordResult('d-someoneelse00001', Buffer.from(JSON.stringify({ id: command.id, status: 'succeeded' })));
    expect(foreign).toMatchObject({ ok: false, reason: 'unknown_command' });
    // diagnostic_dump is for technicians only (roles: [technician]); dispatchers may not.
    await expect(
      service.send(assetId, { command: 'diagnostic_dump', parameters: {} }, { role: 'dispatcher', actor: { type: 'user', id: 'u-2' } }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const byTechnician = await service.send(
      assetId,
      { command: 'diagnostic_dump', parameters: {} },
      { role: 'technician', actor: { type: 'user', id: 'u-3' } },
    );
    expect(byTechnician.state).toBe('pending');
  });

  test('an asset without an active device is a conflict', async () => {
    await db.query(`UPDATE devices SET status = 'revoked', revoked_at = now() WHERE id = $1`, [deviceId]);
    await expect(service.send(assetId, { command: 'set_speed', parameters: { percent: 40 } }, admin)).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

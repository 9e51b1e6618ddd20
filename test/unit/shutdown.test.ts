/** The stop sequence: stage order, and a stuck part left behind so the later stages still close in time. */
import { pino } from 'pino';
import { expect, test } from 'vitest';
import { ShutdownSequence } from '../../src/kernel/shutdown.js';

const silent = pino({ level: 'silent' });

test('closes stage by stage: intake, drain, consumers, queues, connections', async () => {
  const seq = new ShutdownSequence(silent);
  const order: string[] = [];
  const part = (name: string) => async () => void order.push(name);
  seq.add('connections', 'database', part('database'));
  seq.add('drain', 'writer', part('writer'));
  seq.add('consumers', 'detection', part('detection'));
  seq.add('intake', 'broker', part('broker'));
  seq.add('queues', 'queue', part('queue'));
  const report = await seq.run(Date.now() + 5000);
  expect(order).toEqual(['broker', 'writer', 'detection', 'queue', 'database']);
  expect(report.unfinished).toEqual([]);
});

test('a part that never closes is reported and does not keep the later stages from closing by the deadline', async () => {
  const seq = new ShutdownSequence(silent);
  const closed: string[] = [];
  seq.add('consumers', 'stuck-worker', () => new Promise(() => undefined));
  seq.add('connections', 'database', async () => void closed.push('database'));
  const started = Date.now();
  const report = await seq.run(started + 3000);
  expect(report.unfinished).toEqual(['stuck-worker']);
  expect(closed).toEqual(['database']);
  expect(Date.now() - started).toBeLessThan(3000);
  expect(seq.pending).toEqual(['stuck-worker']);
});

/**
 * `telemend backtest` as a user runs it (a child process through src/app/main.ts): --help names every
 * option, a labelled CSV gives alarms, scores and a per-reading scores file, and bad input exits
 * 2 naming the file, line, column or field.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

let dir: string;
const T0 = Date.UTC(2025, 0, 1);

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/app/main.ts', 'backtest', ...args],
      { env: { ...process.env, DEVICES_DIR: path.resolve('devices') }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'backtest-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('telemend backtest', () => {
  test('--help explains every option', { timeout: 120_000 }, async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    for (const option of [
      '--model',
      '--model-file',
      '--asset',
      '--from',
      '--to',
      '--time-column',
      '--sep',
      '--map',
      '--ignore',
      '--label',
      '--score-from',
      '--rules',
      '--json',
      '--scores',
      '--quiet',
    ]) {
      expect(stdout, option).toMatch(new RegExp(`^\\s+${option}\\b`, 'm'));
    }
    expect(stdout).toMatch(/^\s+-h, --help\b/m);
  });

  test('a labelled CSV: alarms, the score as JSON, and the per-reading scores file', { timeout: 120_000 }, async () => {
    const rows = Array.from(
      { length: 240 },
      (_, i) => `${new Date(T0 + i * 10_000).toISOString().slice(0, 19).replace('T', ' ')};${i >= 72 ? 80 : 40};20;${i >= 132 ? 1 : 0}`,
    );
    const csv = path.join(dir, 'seal.csv');
    await writeFile(csv, `when;Seal;motor_current;anomaly\n${rows.join('\n')}\n`);
    const scores = path.join(dir, 'scores.csv');
    const { code, stdout, stderr } = await cli([
      '--model',
      'centrifugal-pump-cp80',
      '--map',
      'Seal=seal_temp',
      '--label',
      'anomaly',
      '--rules',
      'seal-temp-high',
      '--score-from',
      '60',
      '--scores',
      scores,
      '--json',
      csv,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [run] = JSON.parse(stdout).runs;
    expect(run.alarms).toEqual([expect.objectContaining({ ruleId: 'seal-temp-high', raisedAt: T0 + 22 * 60_000, clearedAt: null, ticket: 'opened' })]);
    expect(run.score).toMatchObject({ scored: 180, tp: 108, fp: 0, fn: 0, tn: 72, f1: 1 });
    const lines = (await readFile(scores, 'utf8')).trim().split('\n');
    expect(lines[0]).toContain('seal-temp-high,seal-temp-high:firing');
    expect(lines).toHaveLength(241);
    const header = lines[0]!.split(',');
    const last = lines[240]!.split(',');
    expect([last[header.indexOf('seal-temp-high')], last[header.indexOf('seal-temp-high:firing')]]).toEqual(['80', '1']);
  });

  test('bad input exits 2 naming the file and line, or the draft file and field', { timeout: 120_000 }, async () => {
    const csv = path.join(dir, 'bad.csv');
    await writeFile(csv, 'time,flow\n2025-01-01 00:00:00,1\n2025-01-01 00:00:10,one\n');
    const bad = await cli(['--model', 'centrifugal-pump-cp80', csv]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${csv}, line 3, column "flow": not a number: "one"`);
    const draft = path.join(dir, 'my-pump.yaml');
    await writeFile(
      draft,
      'name: P\nmanufacturer: M\ncategory: pump\ndescription: d\nmetrics:\n  flow: { unit: l, description: f, min: 0, max: 1, samplePeriodSeconds: -1 }\n',
    );
    const invalid = await cli(['--model-file', draft, csv]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain(`Invalid equipment model ${draft}`);
    expect(invalid.stderr).toContain('metrics.flow.samplePeriodSeconds');
  });
});

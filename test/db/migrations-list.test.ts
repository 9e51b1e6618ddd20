/**
 * The migrations moved from one file into the features that own them, and the runner into the
 * kernel. Installed databases recorded these ids and ran this SQL: the list must keep every id,
 * its order and its text byte for byte. The runner orders what it is given and refuses a list it
 * cannot apply safely.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../src/app/migrations.js';
import { migrate, MigrationListError } from '../../src/kernel/db/migrator.js';
import type { Migration } from '../../src/kernel/db/migration.types.js';
import { openTestDatabase } from '../harness/database.js';

// Computed from src/app/migrations.ts before the move (commit 9e3b601), in the order it ran them.
const SHIPPED: ReadonlyArray<readonly [string, string]> = [
  ['0001_foundation', 'c33b408182d95dd3f25297bf037477a470f22cb21096bad791b4741439117a12'],
  ['0002_users_and_audit', '4ff824e141065d0c87d74edb39b180f4c7ddc2e48d060328a2f6dc842b86a551'],
  ['0003_service', '0e33c06d8255a8d05850847159944207d78aed83dd56d9ad737d490ddf9c0576'],
  ['0004_crm_people', 'd0aa557b36c29070f408c486c82926a254e7b09f71e8eaa6bbfb4bb1c395f9b0'],
  ['0005_alarms', '9a1a8eb1e1bdbb75b325dce47d2623496f42b647c4825d2dc9a1d41bcdc00c9c'],
  ['0006_delivery', 'e49405ca10fb53492f14ce78999d425092e937f38885f943354557057722b5f2'],
  ['0007_stock', 'ff10f1f2be24d5c18a84e8d3696de98a986b4e5ce8e4f76760b0fd08ff22a6b5'],
  ['0008_technicians', '3e0501ea3aeceb10fd2f75053a3b1c4c95fd696c9cda5afaadcd49bf0299c190'],
  ['0009_notifications', 'ec45255bd6ae41a1266e9eb85b8e8a191afba8ce079dcaa556a1c5bdae8633a3'],
  ['0010_invoicing', '125d969a50653048e24f71201149eda31f8d46346fe17e5a1c4e7d48faebce0b'],
  ['0011_preventive_opportunities', '5c90b736ab4bd669628631e75a1f33e36b52a955bd88c2c2e69480ca8e815e9f'],
  ['0012_reports', 'b0ce527f1bb6b4b4fa73c5f2d0c0bc1983e67f5c602110795da492db0ebf8389'],
  ['0013_device_commands', 'e348576811de21bb380febb534972313a8e3e57e2f55368c97140e34dc8f68d7'],
  ['0013_user_token_version', 'dcf1fe11ca58e37e4b1ef983ca5a162cd2fd352d8c842c9649921d426ade5da6'],
];

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('the application migrations', () => {
  it('keep every shipped id, in its order, with its SQL byte for byte', () => {
    expect(migrations.map((m) => [m.id, sha256(m.sql)]).slice(0, SHIPPED.length)).toEqual(SHIPPED);
  });

  it('apply on a fresh database in that order, and not again', async () => {
    const db = await openTestDatabase({ migrate: false });
    try {
      expect(await migrate(db, migrations)).toEqual(migrations.map((m) => m.id));
      expect(await migrate(db, migrations)).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe('the kernel migrator', () => {
  const table = (id: string, sql: string): Migration => ({ id, sql });

  it('runs the migrations it is given by id, whatever the order they were declared in', async () => {
    const db = await openTestDatabase({ migrate: false });
    try {
      const list = [
        table('0003_c', 'ALTER TABLE b ADD COLUMN note text;'),
        table('0001_a', 'CREATE TABLE a (id int PRIMARY KEY);'),
        table('0002_b', 'CREATE TABLE b (a_id int REFERENCES a(id));'),
      ];
      expect(await migrate(db, list)).toEqual(['0001_a', '0002_b', '0003_c']);
      expect((await db.query('SELECT note FROM b')).rows).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('refuses a list with a duplicate id or a malformed id before touching the database', async () => {
    const db = await openTestDatabase({ migrate: false });
    try {
      const a = table('0001_a', 'CREATE TABLE a (id int);');
      await expect(migrate(db, [a, table('0001_a', 'CREATE TABLE b (id int);')])).rejects.toThrow(
        new MigrationListError('migration id "0001_a" is declared twice'),
      );
      for (const id of ['1_a', '0001-a', '0001_Add_column', '00001_a', '0001_', '0001_a;']) {
        await expect(migrate(db, [a, table(id, 'SELECT 1;')]), id).rejects.toThrow(MigrationListError);
      }
      await expect(migrate(db, [table('0002_bad name', 'SELECT 1;')])).rejects.toThrow(/migration id "0002_bad name" does not match/);
      const { rows } = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name IN ('schema_migrations', 'a', 'b')");
      expect(rows).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

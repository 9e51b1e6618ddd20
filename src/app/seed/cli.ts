/**
 * `npm run seed -- [options]`: loads the demo company into the configured database
 * (DATABASE_URL, else PGlite in DATA_DIR) and writes the device credentials for the simulator.
 * Stop the platform first when it uses the embedded database: PGlite allows one process.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../../kernel/config.js';
import { openDatabase } from '../../kernel/db/database.js';
import { migrate } from '../migrations.js';
import { ModelRegistry } from '../../telemetry/models/models.registry.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../access/auth/password.js';
import { DemoAlreadySeeded, seedDemo } from './seed.js';

const HELP = `Usage: npm run seed -- [options]

Loads a demo company (customers with contacts and sites, assets with devices, contracts,
technicians with profiles and vans, users, knowledge-base articles, the parts catalogue with
warehouses and stock, labour rates, preventive plans, notification preferences, months of service
history) into the database of DATABASE_URL (unset: PGlite in DATA_DIR).

  --customers <n>   customers, 1-100 (default 12)
  --assets <n>      installed assets, each with a provisioned device, 1-10000 (default 40)
  --history <n>     closed tickets of past months per customer, 0-50 (default 4)
  --fleet <path>    where to write the device credentials for the simulator
                    (default <DATA_DIR>/demo-fleet.json; it holds secrets: mode 0600)
  --password <pw>   one password for every demo user (default: random, printed below)
  --reset           DELETE ALL CRM DATA of the database first, then seed
                    (without it, a database that holds the demo already is refused)
  -h, --help        this help
`;

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const argsSchema = z.strictObject({
  customers: count(1, 100).default(12),
  assets: count(1, 10_000).default(40),
  history: count(0, 50).default(4),
  fleet: z.string().min(1).optional(),
  password: z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(MAX_PASSWORD_LENGTH).optional(),
  reset: z.boolean().default(false),
  help: z.boolean().default(false),
});

const say = (msg: string) => process.stderr.write(`[seed] ${msg}\n`);

async function main(): Promise<number> {
  let raw;
  try {
    raw = parseArgs({
      options: {
        customers: { type: 'string' },
        assets: { type: 'string' },
        history: { type: 'string' },
        fleet: { type: 'string' },
        password: { type: 'string' },
        reset: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const parsed = argsSchema.safeParse(raw);
  if (!parsed.success) {
    process.stderr.write(`${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n')}\n\n${HELP}`);
    return 2;
  }
  const args = parsed.data;
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }

  // The seed never uses the admin token; a placeholder keeps loadConfig's requirement satisfied.
  const config = loadConfig(undefined, { TELEMEND_ADMIN_TOKEN: 'seed-does-not-use-the-admin-token' });
  const fleetFile = path.resolve(args.fleet ?? path.join(config.DATA_DIR, 'demo-fleet.json'));
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    say(`database: ${db.driver === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${path.resolve(config.DATA_DIR)}`}`);
    const applied = await migrate(db);
    if (applied.length) say(`migrations applied: ${applied.join(', ')}`);
    const models = await ModelRegistry.fromDirectory(config.DEVICES_DIR);
    const started = Date.now();
    const result = await seedDemo({
      db,
      models,
      customers: args.customers,
      assets: args.assets,
      historyPerCustomer: args.history,
      reset: args.reset,
      ...(args.password ? { password: args.password } : {}),
      log: say,
    });
    await mkdir(path.dirname(fleetFile), { recursive: true });
    await writeFile(fleetFile, `${JSON.stringify(result.fleet, null, 2)}\n`, { mode: 0o600 });
    await chmod(fleetFile, 0o600);
    const c = result.counts;
    say(
      `done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${c.customers} customers, ${c.contacts} contacts, ${c.sites} sites, ${c.assets} assets with devices, ` +
        `${c.contracts} contracts, ${c.technicians} technicians, ${c.articles} articles, ${c.closedTickets} closed and ${c.openTickets} open tickets, ${c.visits} visits, ` +
        `${c.parts} parts, ${c.stockLocations} stock locations, ${c.maintenancePlans} maintenance plans`,
    );
    say(`device credentials for the simulator: ${fleetFile}  (npm run simulate -- --fleet ${fleetFile})`);
    const width = Math.max(...result.users.map((u) => u.email.length));
    process.stdout.write(`\nDemo users (role, e-mail, password):\n`);
    for (const u of result.users) process.stdout.write(`  ${u.role.padEnd(11)} ${u.email.padEnd(width)}  ${u.password}\n`);
    return 0;
  } catch (error) {
    if (error instanceof DemoAlreadySeeded) {
      say(error.message);
      return 3;
    }
    throw error;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);

/**
 * Loads the demo company straight through the services (no HTTP): customers with sites, the
 * installed base with provisioned devices, service contracts, the service team with one account
 * per role, the parts catalogue with warehouses, vans and opening stock, months of service history
 * (whose visit parts leave that stock), technician profiles, labour rates, preventive plans and
 * notification preferences. `seedDemo()` is what `npm run seed` and the demo call.
 *
 * Seeding twice is refused (DemoAlreadySeeded) unless `reset` is set, which first deletes ALL
 * CRM data of the database (every table but schema_migrations and equipment_models) and puts
 * back the rows the migrations insert (dispatch settings, the default labour rate).
 */
import { randomBytes } from 'node:crypto';
import type { Actor } from '../../access/audit/audit.service.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../access/auth/password.js';
import { AssetsService } from '../../service/assets/assets.service.js';
import { ContractsService } from '../../service/contracts/contracts.service.js';
import { CustomersService } from '../../service/customers/customers.service.js';
import { DevicesService } from '../../telemetry/devices/devices.service.js';
import type { ModelRegistry } from '../../telemetry/models/models.registry.js';
import { isSimulatable } from '../../telemetry/models/models.schema.js';
import type { Database } from '../../kernel/db/database.js';
import { SitesService } from '../../service/sites/sites.service.js';
import { UsersService } from '../../access/users/users.service.js';
import {
  commonHolidays,
  CONTRACT_TEMPLATES,
  DEMO_CUSTOMERS,
  DEMO_EMAIL_DOMAIN,
  DEMO_STAFF,
  DEMO_TECHNICIANS,
  type DemoCustomer,
  type DemoTechnician,
} from './demo-company.data.js';
import { seedContacts, seedKnowledge } from './seed-crm.js';
import { seedLabourRates, seedMaintenancePlans, seedNotificationPreferences, seedTechnicianProfiles, type PlanContract } from './seed-field.js';
import { seedHistory, type HistoryAsset } from './seed-history.js';
import { seedStock } from './seed-stock.js';
import { Random } from './seed-random.js';

export interface SeedOptions {
  readonly db: Database;
  /** Loaded equipment models (devices/); synced into the database first. */
  readonly models: ModelRegistry;
  /** Customers (1–100). Default 12; past the 12 demo companies the list repeats with a number. */
  readonly customers?: number;
  /** Installed assets, each with a provisioned device (1–10,000). Default 40; every model at least once when ≥ the number of models. */
  readonly assets?: number;
  /** Closed tickets of past months per customer (0–50). Default 4. */
  readonly historyPerCustomer?: number;
  /** One password for every demo user. Default: a random one per user, returned in `users`. */
  readonly password?: string;
  /** Delete all CRM data first instead of refusing a database that was seeded before. Default false. */
  readonly reset?: boolean;
  /** "Now" of the demo (history lies before it). Default the current time. */
  readonly now?: Date;
  /** Seed of the pseudo-random choices. Default 20250310. */
  readonly randomSeed?: number;
  /** Progress lines. Default silent. */
  readonly log?: (msg: string) => void;
}

/** One line of the fleet file the simulator reads. */
export interface DemoFleetDevice {
  deviceId: string;
  token: string;
  modelId: string;
  assetId: string;
}

export interface DemoUser {
  email: string;
  name: string;
  role: string;
  password: string;
}

export interface SeedResult {
  fleet: DemoFleetDevice[];
  users: DemoUser[];
  counts: {
    customers: number;
    contacts: number;
    sites: number;
    assets: number;
    contracts: number;
    technicians: number;
    articles: number;
    closedTickets: number;
    openTickets: number;
    visits: number;
    /** Parts catalogue: every SKU of the models' fault catalogues. */
    parts: number;
    /** Warehouses and one van per technician. */
    stockLocations: number;
    technicianProfiles: number;
    labourRates: number;
    maintenancePlans: number;
    notificationPreferences: number;
  };
}

export class DemoAlreadySeeded extends Error {
  readonly code = 'DEMO_ALREADY_SEEDED';
  constructor() {
    super('This database already holds the demo company; run with --reset to delete all CRM data and seed again.');
    this.name = 'DemoAlreadySeeded';
  }
}

const SEED_ACTOR: Actor = Object.freeze({ type: 'system', id: 'seed' });
const CODE_PREFIX = 'DEMO-';
const DAY = 86_400_000;

/** True when the demo company was loaded into this database before. */
export async function isSeeded(db: Database): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM customers WHERE code LIKE 'DEMO-%' LIMIT 1");
  return rows.length > 0;
}

/** Deletes every row of every CRM table (not the migrations, not the equipment models) and restarts the number sequences. */
export async function deleteAllCrmData(db: Database): Promise<void> {
  const { rows } = await db.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('schema_migrations', 'equipment_models')",
  );
  const { rows: sequences } = await db.query<{ name: string }>("SELECT sequencename AS name FROM pg_sequences WHERE schemaname = 'public'");
  await db.transaction(async (tx) => {
    if (rows.length) await tx.exec(`TRUNCATE ${rows.map((r) => `"${r.name}"`).join(', ')} RESTART IDENTITY CASCADE`);
    for (const s of sequences) await tx.exec(`ALTER SEQUENCE "${s.name}" RESTART`);
    // The rows the migrations insert (technicians and invoicing migrations), as after a fresh migrate.
    await tx.exec('INSERT INTO dispatch_settings (id) VALUES (true) ON CONFLICT DO NOTHING');
    await tx.exec("INSERT INTO labour_rates (skill, hourly_rate, overtime_multiplier) VALUES ('*', 85.00, 1.50) ON CONFLICT DO NOTHING");
  });
}

const isoDate = (d: Date) => d.toISOString().slice(0, 10);
const customerAt = (i: number): DemoCustomer => {
  const base = DEMO_CUSTOMERS[i % DEMO_CUSTOMERS.length]!;
  const round = Math.floor(i / DEMO_CUSTOMERS.length);
  return round === 0 ? base : { ...base, name: `${base.name} (${round + 1})` };
};
const emailPart = (name: string) =>
  name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, '.')
    .replace(/^\.|\.$/g, '');

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  return value;
}

export async function seedDemo(options: SeedOptions): Promise<SeedResult> {
  const { db, models } = options;
  const customerCount = checkRange('customers', options.customers ?? 12, 1, 100);
  const assetCount = checkRange('assets', options.assets ?? 40, 1, 10_000);
  const historyPerCustomer = checkRange('historyPerCustomer', options.historyPerCustomer ?? 4, 0, 50);
  if (options.password !== undefined && (options.password.length < MIN_PASSWORD_LENGTH || options.password.length > MAX_PASSWORD_LENGTH)) {
    throw new RangeError(`password must have ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
  }
  const log = options.log ?? (() => undefined);
  const now = options.now ?? new Date();
  const random = new Random(options.randomSeed ?? 20250310);
  // The demo fleet is simulated: models of real equipment (no simulation blocks) get no demo assets.
  const modelList = models
    .list()
    .filter(isSimulatable)
    .sort((a, b) => a.id.localeCompare(b.id));
  if (modelList.length === 0) throw new Error('no equipment model that can be simulated is loaded (DEVICES_DIR)');

  await models.sync(db);
  if (options.reset) {
    log('deleting all CRM data (--reset)');
    await deleteAllCrmData(db);
  } else if (await isSeeded(db)) {
    throw new DemoAlreadySeeded();
  }

  const customersService = new CustomersService(db);
  const sitesService = new SitesService(db);
  const assetsService = new AssetsService(db, models);
  const devicesService = new DevicesService(db);
  const contractsService = new ContractsService(db);
  const usersService = new UsersService(db);

  // ---- people ---------------------------------------------------------------------------------
  log(`users: ${DEMO_TECHNICIANS.length} technicians and one per other role`);
  const users: DemoUser[] = [];
  const passwordFor = () => options.password ?? randomBytes(9).toString('base64url');
  const technicians: {
    id: string;
    name: string;
    skills: readonly string[];
    territories: readonly string[];
    home: DemoTechnician['home'];
    data: DemoTechnician;
  }[] = [];
  for (const t of DEMO_TECHNICIANS) {
    const password = passwordFor();
    const email = `${emailPart(t.name)}@${DEMO_EMAIL_DOMAIN}`;
    const skills = Object.keys(t.skills);
    const user = await usersService.create(
      { email, name: t.name, role: 'technician', password, phone: t.phone, skills, territories: [...t.territories] },
      SEED_ACTOR,
    );
    technicians.push({ id: user.id, name: t.name, skills, territories: t.territories, home: t.home, data: t });
    users.push({ email, name: t.name, role: 'technician', password });
  }

  // ---- customers, sites, contracts --------------------------------------------------------------
  log(`customers: ${customerCount} with their sites`);
  const sites: { id: string; customerIndex: number; country: string }[] = [];
  const customerIds: string[] = [];
  for (let i = 0; i < customerCount; i++) {
    const c = customerAt(i);
    const customer = await customersService.create(
      { name: c.name, code: `${CODE_PREFIX}${String(i + 1).padStart(3, '0')}`, email: c.email, phone: c.phone, notes: c.notes },
      SEED_ACTOR,
    );
    customerIds.push(customer.id);
    for (const s of c.sites) {
      const site = await sitesService.create({ customerId: customer.id, ...s });
      sites.push({ id: site.id, customerIndex: i, country: s.country });
    }
  }

  const contacts = await seedContacts(
    db,
    SEED_ACTOR,
    customerIds.map((id, i) => ({ id, country: customerAt(i).sites[0]?.country ?? '', language: customerAt(i).language, contacts: customerAt(i).contacts })),
  );
  log(`contacts: ${contacts}`);

  const staff: Record<string, { id: string }> = {};
  for (const s of DEMO_STAFF) {
    const password = passwordFor();
    const email = `${s.local}@${DEMO_EMAIL_DOMAIN}`;
    const user = await usersService.create(
      { email, name: s.name, role: s.role, password, ...(s.role === 'customer' ? { customerId: customerIds[0]! } : {}) },
      SEED_ACTOR,
    );
    staff[s.role] = user;
    users.push({ email, name: s.name, role: s.role, password });
  }

  // ---- installed base and devices -------------------------------------------------------------
  log(`assets: ${assetCount} of ${modelList.length} models, each with a provisioned device`);
  const fleet: DemoFleetDevice[] = [];
  const historyAssets: HistoryAsset[] = [];
  for (let i = 0; i < assetCount; i++) {
    const site = sites[i % sites.length]!;
    const model = modelList[(i + Math.floor(i / sites.length)) % modelList.length]!;
    const installed = new Date(now.getTime() - random.int(200, 7 * 365) * DAY);
    const asset = await assetsService.create({
      siteId: site.id,
      modelId: model.id,
      serialNumber: `${model.id.split('-').pop()!.toUpperCase()}-${installed.getUTCFullYear()}-${String(i + 1).padStart(5, '0')}`,
      name: `${model.name} #${i + 1}`,
      installDate: isoDate(installed),
      warrantyEnd: isoDate(new Date(installed.getTime() + 2 * 365 * DAY)),
    });
    const device = await devicesService.provision(asset.id);
    fleet.push({ deviceId: device.deviceId, token: device.token, modelId: model.id, assetId: asset.id });
    historyAssets.push({ id: asset.id, modelId: model.id, country: site.country, customerIndex: site.customerIndex });
    if ((i + 1) % 50 === 0 || i + 1 === assetCount) log(`  ${i + 1}/${assetCount} assets`);
  }

  log('service contracts');
  const planContracts: PlanContract[] = [];
  const years = [now.getUTCFullYear() - 1, now.getUTCFullYear(), now.getUTCFullYear() + 1, now.getUTCFullYear() + 2];
  for (let i = 0; i < customerCount; i++) {
    const c = customerAt(i);
    if (c.plan === 'none') continue;
    const t = CONTRACT_TEMPLATES[c.plan];
    const covered = t.listsAssets ? historyAssets.filter((a) => a.customerIndex === i).map((a) => a.id) : [];
    const contract = await contractsService.create(
      {
        customerId: customerIds[i]!,
        name: `${t.name} — ${c.name}`,
        status: 'active',
        startsOn: isoDate(new Date(now.getTime() - 400 * DAY)),
        endsOn: isoDate(new Date(now.getTime() + 2 * 365 * DAY)),
        assetIds: covered,
        coverage: { labourPercent: t.labourPercent, partsPercent: t.partsPercent, travelIncluded: t.travelIncluded },
        sla: t.sla,
        calendar: t.businessHours
          ? {
              timeZone: c.timeZone,
              weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ start: '08:00', end: '17:00' }]])),
              holidays: commonHolidays(years),
            }
          : null,
        prepaidMinutes: t.prepaidMinutes,
        value: t.value,
        currency: 'EUR',
        notes: t.prepaidMinutes ? 'Hours are drawn down by labour; top up on request.' : null,
      },
      SEED_ACTOR,
    );
    // The contract's assets are the customer's: listed (premium) or all of them (customer-level).
    const modelIds = [...new Set(historyAssets.filter((a) => a.customerIndex === i).map((a) => a.modelId))].sort();
    planContracts.push({ id: contract.id, plan: c.plan, modelIds });
  }

  const articles = await seedKnowledge(db, models, SEED_ACTOR);
  log(`knowledge base: ${articles} articles, one per model and fault code`);

  // ---- parts and stock (before the history, whose visit parts consume it) --------------------
  const stock = await seedStock({ db, models, actor: SEED_ACTOR, at: new Date(now.getTime() - 200 * DAY), technicians });
  log(`parts: ${stock.parts} in the catalogue, ${stock.locations} stock locations (warehouses and a van per technician)`);

  // ---- history --------------------------------------------------------------------------------
  log(`history: ${historyPerCustomer} closed tickets per customer, plus today's open work`);
  const history = await seedHistory({
    db,
    models,
    random,
    now,
    assets: historyAssets,
    customers: customerCount,
    people: { dispatcher: staff.dispatcher!, agent: staff.agent!, technicians },
    closedPerCustomer: historyPerCustomer,
    acceptedBy: (i) => customerAt(i).contacts[0]?.name ?? 'Site manager',
    partPrices: stock.prices,
    log,
  });

  // ---- field operations -----------------------------------------------------------------------
  const technicianProfiles = await seedTechnicianProfiles(db, SEED_ACTOR, technicians, now);
  const labourRates = await seedLabourRates(db, SEED_ACTOR, now);
  const maintenancePlans = await seedMaintenancePlans(db, SEED_ACTOR, planContracts, new Set(stock.prices.keys()), now);
  const notificationPreferences = await seedNotificationPreferences(
    db,
    SEED_ACTOR,
    customerIds.map((id, i) => ({ id, timeZone: customerAt(i).timeZone })),
    now,
  );
  log(
    `field operations: ${technicianProfiles} technician profiles, ${labourRates} labour rates, ${maintenancePlans} maintenance plans, ${notificationPreferences} notification preferences`,
  );

  return {
    fleet,
    users,
    counts: {
      customers: customerCount,
      contacts,
      sites: sites.length,
      assets: assetCount,
      contracts: planContracts.length,
      technicians: technicians.length,
      articles,
      closedTickets: history.closed,
      openTickets: history.open,
      visits: history.visits,
      parts: stock.parts,
      stockLocations: stock.locations,
      technicianProfiles,
      labourRates,
      maintenancePlans,
      notificationPreferences,
    },
  };
}

/**
 * The feature modules and the order they are built in: the one place that wires features to
 * each other. Every service is constructed here once per process; routes (api role) and
 * background tasks (worker role) come out of the modules already bound to them.
 */
import type { Core } from '../kernel/core.js';
import { clockOf } from '../kernel/clock.js';
import type { BuiltModule, FeatureModule } from '../kernel/module.js';
import type { Migration } from '../kernel/db/migration.types.js';
import type { BackgroundTask } from '../kernel/jobs/background-task.js';
import { SecretBox } from '../kernel/secrets/secret-box.js';
import { Egress } from '../kernel/egress/egress.js';
import { egressPolicyOf } from '../kernel/egress/egress-policy.js';
import type { AppContext } from './context.js';
import { usersModule } from '../access/users/users.module.js';
import { authModule } from '../access/auth/auth.module.js';
import { accountsModule } from '../access/accounts/accounts.module.js';
import { portalModule } from '../service/portal/portal.module.js';
import { customersModule } from '../service/customers/customers.module.js';
import { sitesModule } from '../service/sites/sites.module.js';
import { assetsModule } from '../service/assets/assets.module.js';
import { contactsModule } from '../service/contacts/contacts.module.js';
import { activitiesModule } from '../service/activities/activities.module.js';
import { knowledgeModule } from '../service/knowledge/knowledge.module.js';
import { customFieldsModule } from '../service/custom-fields/custom-fields.module.js';
import { contractsModule } from '../service/contracts/contracts.module.js';
import { opportunitiesModule } from '../service/opportunities/opportunities.module.js';
import { ticketsModule } from '../service/tickets/tickets.module.js';
import { visitsModule } from '../service/visits/visits.module.js';
import { stockModule } from '../service/stock/stock.module.js';
import { dispatchModule } from '../service/dispatch/dispatch.module.js';
import { techniciansModule } from '../service/technicians/technicians.module.js';
import { autoticketsModule } from '../service/autotickets/autotickets.module.js';
import { preventiveModule } from '../service/preventive/preventive.module.js';
import { invoicingModule } from '../service/invoicing/invoicing.module.js';
import { baselinesModule } from '../telemetry/baselines/baselines.module.js';
import { devicesModule } from '../telemetry/devices/devices.module.js';
import { modelsModule } from '../telemetry/models/models.module.js';
import { readingsModule } from '../telemetry/readings/readings.module.js';
import { backtestModule } from '../telemetry/backtest/backtest.module.js';
import { commandsModule } from '../telemetry/commands/commands.module.js';
import { externalBrokerModule } from '../telemetry/external-broker/external-broker.module.js';
import { lifecycleModule } from '../telemetry/lifecycle/lifecycle.module.js';
import { alarmsModule } from '../service/alarms/alarms.module.js';
import { deliveryModule } from '../service/delivery/delivery.module.js';
import { notificationsModule } from '../service/notifications/notifications.module.js';
import { reportsModule } from '../service/reports/reports.module.js';
import { attachmentsModule } from '../service/attachments/attachments.module.js';
import { documentsModule } from '../service/documents/documents.module.js';
import { outboxFilesOf } from '../service/documents/document-mail.js';
import { quotesModule } from '../service/quotes/quotes.module.js';
import { fieldAppModule } from '../service/field-app/field-app.module.js';
import { pushModule } from '../service/push/push.module.js';
import { PushOutbox, WebPushNotifier } from '../service/push/push-outbox.js';
import { searchModule } from '../service/search/search.module.js';
import { tasksModule } from '../service/tasks/tasks.module.js';

/** Every module, for the migrations and the module-list test. */
export const MODULES: readonly FeatureModule<never, unknown>[] = [
  usersModule,
  authModule,
  customersModule,
  sitesModule,
  assetsModule,
  contactsModule,
  activitiesModule,
  knowledgeModule,
  customFieldsModule,
  contractsModule,
  opportunitiesModule,
  ticketsModule,
  visitsModule,
  stockModule,
  dispatchModule,
  techniciansModule,
  autoticketsModule,
  preventiveModule,
  invoicingModule,
  baselinesModule,
  devicesModule,
  modelsModule,
  readingsModule,
  backtestModule,
  commandsModule,
  externalBrokerModule,
  lifecycleModule,
  alarmsModule,
  deliveryModule,
  notificationsModule,
  reportsModule,
  attachmentsModule,
  documentsModule,
  quotesModule,
  fieldAppModule,
  pushModule,
  searchModule,
  tasksModule,
  accountsModule,
  portalModule,
] as FeatureModule<never, unknown>[];

/** All migrations of all modules, in id order (the kernel's migrator sorts and checks them). */
export function allMigrations(): Migration[] {
  return MODULES.flatMap((m) => m.migrations ?? []);
}

export interface BuiltFeature extends BuiltModule<unknown> {
  readonly name: string;
}

export interface Modules {
  /** In build order: routes are registered and tasks started in this order. */
  readonly features: readonly BuiltFeature[];
  /** The services other parts of the process use (the worker's detection, the seed). */
  readonly services: ReturnType<typeof buildServices>['services'];
}

export function coreOf(ctx: AppContext): Core {
  return {
    config: ctx.config,
    logger: ctx.logger,
    db: ctx.db,
    clock: clockOf(ctx),
    redis: ctx.redis,
    connector: ctx.connector,
    redisUrl: ctx.config.REDIS_URL,
    prefix: ctx.config.REDIS_PREFIX,
  };
}

function buildServices(ctx: AppContext) {
  const core = coreOf(ctx);
  const features: BuiltFeature[] = [];
  const add = <D, E>(module: FeatureModule<D, E>, deps: D): E => {
    const built = module.build(deps);
    features.push({ name: module.name, ...built });
    return built.exports;
  };
  // Web Push goes beside every technician message and every customer note on a ticket.
  const pushOutbox = new PushOutbox(core.clock);
  const ports = { ticketEvents: ctx.ticketEvents, notifier: ctx.notifier && new WebPushNotifier(ctx.notifier, pushOutbox) };

  const { users } = add(usersModule, core);
  const { apiKeys } = add(authModule, { ...core, users });
  add(customersModule, { ...core, telemetry: ctx.telemetry });
  add(sitesModule, core);
  add(assetsModule, { ...core, models: ctx.models });
  add(contactsModule, core);
  add(activitiesModule, { ...core, recorded: (tx, activity) => pushOutbox.customerNote(tx, activity) });
  add(knowledgeModule, { ...core, models: ctx.models });
  add(customFieldsModule, core);
  add(contractsModule, core);
  add(opportunitiesModule, core);

  add(devicesModule, { devices: ctx.devices });
  add(modelsModule, { models: ctx.models });
  add(readingsModule, { db: ctx.db, models: ctx.models, telemetry: ctx.telemetry, rejections: ctx.rejections });
  add(backtestModule, { db: ctx.db, models: ctx.models, telemetry: ctx.telemetry });
  const { commands } = add(commandsModule, { ...core, models: ctx.models });
  add(externalBrokerModule, { config: ctx.config, devices: ctx.devices });
  add(lifecycleModule, { ...core, influx: ctx.influx });
  const { baselines } = add(baselinesModule, { ...core, models: ctx.models, shards: ctx.config.DETECTION_SHARDS });
  const { tickets } = add(ticketsModule, { ...core, ...ports });
  const { stock } = add(stockModule, core);
  const { visits } = add(visitsModule, { ...core, ...ports, tickets, stock, repaired: (tx, repair) => baselines.relearnAfterRepair(tx, repair) });
  const { dispatch } = add(dispatchModule, { ...core, ...ports, tickets, visits });
  const { locations, technicians } = add(techniciansModule, { ...core, ...ports, tickets, rejections: ctx.rejections, mqttSessions: ctx.mqttSessions });
  const { alarms } = add(alarmsModule, core);
  const { autotickets } = add(autoticketsModule, { ...core, ...ports, models: ctx.models, tickets, alarms, stock, dispatch });
  add(preventiveModule, { ...core, ...ports, tickets, telemetry: ctx.telemetry });
  const { attachments } = add(attachmentsModule, core);
  const { invoiceBasis } = add(quotesModule, { ...core, ...ports, tickets, attachments });
  const { invoices } = add(invoicingModule, { ...core, invoiceBasis });
  add(documentsModule, { ...core, invoices, tickets, visits, attachments, telemetry: ctx.telemetry, models: ctx.models });
  const telemetry = ctx.telemetry as AppContext['telemetry'] | undefined;
  add(fieldAppModule, { ...core, models: ctx.models, visits, latestReading: telemetry ? (assetId) => telemetry.latest(assetId) : undefined });
  add(searchModule, core);
  add(tasksModule, { ...core, technicians });
  // The platform always sets both; apps built by tests get the per-process key (as before) and
  // an egress guard of the configuration's EGRESS_ALLOW, closed with the modules.
  const secrets = ctx.secrets ?? SecretBox.ephemeral();
  const egress = ctx.egress ?? new Egress(egressPolicyOf(ctx.config));
  if (!ctx.egress) features.push({ name: 'egress', exports: {}, close: () => egress.close() });
  add(deliveryModule, { ...core, secrets });
  const { channel: webPush } = add(pushModule, { ...core, secrets, egress, outbox: pushOutbox });
  const { notifications } = add(notificationsModule, { ...core, secrets, egress, files: outboxFilesOf(attachments), channels: { webpush: webPush } });
  add(reportsModule, { ...core, secrets, egress });
  add(accountsModule, core);
  add(portalModule, { ...core, notifications });

  return { features, services: { tickets, visits, stock, dispatch, autotickets, baselines, locations, commands, apiKeys } };
}

/** Builds every module once for this process. */
export function buildModules(ctx: AppContext): Modules {
  return buildServices(ctx);
}

/** The worker role's background tasks, in module order. */
export function backgroundTasksOf(modules: Modules): BackgroundTask[] {
  return modules.features.flatMap((f) => f.tasks ?? []);
}

/** Releases what the modules opened (in reverse build order). */
export async function closeModules(modules: Modules): Promise<void> {
  for (const feature of [...modules.features].reverse()) await feature.close?.();
}

/**
 * The API process of `npm run bench:api`: the real HTTP stack (buildApp: auth, validation,
 * rate-limit hooks, serialisation) on a real PostgreSQL, without Redis and InfluxDB, which none
 * of the benchmarked routes touch. Request logging is off (as with LOG_LEVEL=silent).
 *
 *   node --import tsx bench/api-server.ts   (DATABASE_URL, TELEMEND_ADMIN_TOKEN, DEVICES_DIR from the environment)
 *
 * Prints one line `listening <port>` on stdout when ready; SIGTERM closes it.
 */
import { buildApp } from '../src/app/http-app.js';
import type { AppContext } from '../src/app/context.js';
import { loadConfig } from '../src/kernel/config.js';
import { createLogger } from '../src/kernel/logger.js';
import { openDatabase } from '../src/kernel/db/database.js';
import { ModelRegistry } from '../src/telemetry/models/models.registry.js';
import { DevicesService } from '../src/telemetry/devices/devices.service.js';

const config = loadConfig(process.env, { HTTP_RATE_LIMIT_MAX: '0', PORT: '0' });
if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required');
const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
const models = await ModelRegistry.fromDirectory(config.DEVICES_DIR);
const ctx: AppContext = {
  config,
  logger: createLogger('silent'),
  db,
  models,
  devices: new DevicesService(db),
  // Not used by the benchmarked routes (telemetry and rejections are not exercised).
  redis: undefined as never,
  telemetry: undefined as never,
  rejections: undefined as never,
};
const app = await buildApp(ctx);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);

process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => db.close())
    .then(() => process.exit(0));
});

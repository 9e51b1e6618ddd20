#!/usr/bin/env node
/**
 * Entry point: parses the command line, loads the configuration, runs the platform in the
 * chosen role and shuts it down gracefully on SIGINT/SIGTERM with close-with-grace: within
 * SHUTDOWN_TIMEOUT_MS whatever Redis, InfluxDB or the database do. Exit status 0 after a clean
 * stop, 1 when a part did not close in time or the deadline was hit (a second signal exits at once).
 */
import { parseArgs } from 'node:util';
import closeWithGrace from 'close-with-grace';
import { ConfigError, ROLES, loadConfig } from '../kernel/config.js';
import { createLogger } from '../kernel/logger.js';
import { ModelFileError } from '../telemetry/models/models.loader.js';
import { startPlatform } from './platform.js';

const HELP = `Usage: telemend [options]
       telemend backtest [options] <file.csv>...   (see telemend backtest --help)

Runs the Telemend platform. Configuration comes from environment variables (see README,
"Configuration"); the most common are repeated here as options.

Options:
  -r, --role <role>   ${ROLES.join(' | ')} (default: all, or TELEMEND_ROLE)
                        all     broker + telemetry writer + REST API in one process
                        broker  embedded MQTT broker: authenticates devices, validates and
                                journals telemetry
                        worker  writes journalled telemetry to InfluxDB
                        api     REST API and OpenAPI docs at /docs
  -h, --help          show this help

Environment (excerpt): PORT, MQTT_PORT, DATABASE_URL, REDIS_URL, INFLUX_URL, INFLUX_DATABASE,
  TELEMEND_ADMIN_TOKEN (required), DATA_DIR, DEVICES_DIR, LOG_LEVEL.
`;

async function main(): Promise<number> {
  // Subcommands run instead of the platform.
  if (process.argv[2] === 'backtest') return (await import('../telemetry/backtest/backtest.cli.js')).backtestCli(process.argv.slice(3));
  let args;
  try {
    args = parseArgs({
      options: { role: { type: 'string', short: 'r' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(HELP);
    return 0;
  }

  let config;
  try {
    config = loadConfig(undefined, args.values.role ? { TELEMEND_ROLE: args.values.role } : {});
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`telemend: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const logger = createLogger(config.LOG_LEVEL);
  let platform;
  try {
    platform = await startPlatform(config, logger);
  } catch (error) {
    // A bad model file, or configuration only checkable at start (SECRETS_KEY with DATABASE_URL).
    if (error instanceof ModelFileError || error instanceof ConfigError) {
      logger.fatal(error.message);
      return 2;
    }
    logger.fatal({ err: error }, 'start-up failed');
    return 1;
  }
  logger.info(
    { role: platform.role, ...platform.addresses, ...(platform.workerId ? { workerId: platform.workerId } : {}) },
    'telemend is running; Ctrl-C to stop',
  );

  const running = platform;
  // The platform's own stop keeps to SHUTDOWN_TIMEOUT_MS (a late part is left behind); the
  // library's delay is the hard stop should anything block the event loop itself.
  closeWithGrace(
    {
      delay: config.SHUTDOWN_TIMEOUT_MS,
      logger: { error: (message: unknown) => logger.error({ err: message }, 'shutdown') },
      skip: ['beforeExit'],
      onTimeout: (delay) => logger.error({ delayMs: delay, notClosed: running.pendingParts() }, 'shutdown deadline hit: exiting with status 1'),
      onSecondSignal: (signal) => logger.warn({ signal }, 'second signal: exiting now'),
    },
    async ({ signal, err }) => {
      if (err) logger.fatal({ err }, 'unexpected error: shutting down');
      logger.info(
        { signal, timeoutMs: config.SHUTDOWN_TIMEOUT_MS },
        'shutting down: broker stops accepting, journal written to InfluxDB, then queues and database close',
      );
      const report = await running.stop();
      if (report.unfinished.length > 0) {
        logger.error({ notClosed: report.unfinished, ms: report.durationMs }, 'stopped, but not everything closed in time');
        // close-with-grace exits 0 after a resolved handler; a late part means status 1.
        throw new Error(`not closed in time: ${report.unfinished.join(', ')}`);
      }
      logger.info({ ms: report.durationMs }, 'stopped');
    },
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`telemend: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);

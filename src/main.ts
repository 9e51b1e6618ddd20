#!/usr/bin/env node
/**
 * Entry point: parses the command line, loads the configuration, runs the platform in the
 * chosen role and shuts it down gracefully on SIGINT/SIGTERM (a second signal forces exit).
 */
import { parseArgs } from 'node:util';
import { ConfigError, ROLES, loadConfig } from './platform/config.js';
import { createLogger } from './platform/logger.js';
import { ModelFileError } from './models/models.loader.js';
import { startPlatform } from './platform/platform.js';

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
  if (process.argv[2] === 'backtest') return (await import('./backtest/backtest.cli.js')).backtestCli(process.argv.slice(3));
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
    if (error instanceof ModelFileError) {
      logger.fatal(error.message);
      return 2;
    }
    logger.fatal({ err: error }, 'start-up failed');
    return 1;
  }
  logger.info({ role: platform.role, ...platform.addresses }, 'telemend is running; Ctrl-C to stop');

  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down: stop accepting, flush telemetry, close queues and database');
      platform
        .stop()
        .catch((error: unknown) => logger.error({ err: error }, 'shutdown error'))
        .finally(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  logger.info('stopped');
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

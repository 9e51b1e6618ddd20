/**
 * The one place that reads the environment. Every variable is declared here with its
 * default and documented in README.md ("Configuration"); a test checks the two agree.
 * `loadConfig()` parses once at start-up and returns a frozen object; an invalid value
 * throws a ConfigError naming every offending variable.
 */
import { z } from 'zod';
import { EgressAllowListError, parseAllowList } from './egress/egress-policy.js';
import { isLoopback } from './metrics/metrics-access.js';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/** 32 bytes in standard or URL-safe base64. */
const secretsKey = z
  .string()
  .refine((v) => /^[A-Za-z0-9+/_-]{43}=?$/.test(v) && Buffer.from(v, 'base64').length === 32, 'must be 32 bytes in base64 (openssl rand -base64 32)');

export const ROLES = ['all', 'broker', 'worker', 'api'] as const;
export type Role = (typeof ROLES)[number];

/** Variable name → schema. Defaults are the values used when the variable is unset. */
export const configSchema = z.object({
  /** Which parts of the platform this process runs. */
  TELEMEND_ROLE: z.enum(ROLES).default('all'),
  /** pino log level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Interface the HTTP API listens on. Loopback unless configured. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** HTTP API port. */
  PORT: port.default(8080),
  /** Interface the MQTT listeners bind to. */
  MQTT_HOST: z.string().min(1).default('127.0.0.1'),
  /** MQTT over TCP port. */
  MQTT_PORT: port.default(1883),
  /** MQTT over WebSocket port (0 = disabled). */
  MQTT_WS_PORT: port.default(0),
  /** MQTT over TLS port (0 = disabled); needs MQTT_TLS_CERT and MQTT_TLS_KEY. */
  MQTT_TLS_PORT: port.default(0),
  /** PEM certificate file for MQTT over TLS. */
  MQTT_TLS_CERT: z.string().optional(),
  /** PEM private key file for MQTT over TLS. */
  MQTT_TLS_KEY: z.string().optional(),
  /** Largest MQTT packet accepted, in bytes; larger ones close the connection at the fixed header. */
  MQTT_MAX_PACKET_SIZE: positiveInt.default(65536),
  /**
   * The server's keep-alive limit, in seconds: a client asking for more, or for 0 (none), gets
   * this one (the connection is closed after 1.5 × it without a packet).
   */
  MQTT_KEEPALIVE_LIMIT: positiveInt.max(65535).default(3600),
  /** Most levels a topic may have. */
  MQTT_MAX_TOPIC_LEVELS: positiveInt.default(8),
  /** A connection must send CONNECT within this many milliseconds. */
  MQTT_CONNECT_TIMEOUT_MS: positiveInt.default(10000),
  /** Connections per client IP per minute that do not authenticate as a device or technician (failed, anonymous, no CONNECT); over it new connections from the IP are refused. */
  MQTT_CONNECTIONS_PER_MINUTE: positiveInt.default(600),
  /** Readings (telemetry items and events) one device may publish per second, on average; 0 = no quota. */
  MQTT_PUBLISH_RATE: z.coerce.number().int().min(0).default(1000),
  /** Readings one device may publish at once above MQTT_PUBLISH_RATE (a device catching up after an outage). */
  MQTT_PUBLISH_BURST: positiveInt.default(10000),
  /** Lab mode: anonymous clients may use topics outside devices/ and $SYS/. Never in production. */
  MQTT_ALLOW_ANONYMOUS: bool.default(false),
  /**
   * 'redis': several broker processes act as one broker (message routing over Redis pub/sub,
   * sessions and retained messages in Redis at REDIS_URL). 'off': a standalone broker.
   */
  MQTT_CLUSTER: z.enum(['off', 'redis']).default('off'),
  /** Run the embedded MQTT broker in the broker role; false when devices connect to an external broker only. */
  MQTT_EMBEDDED: bool.default(true),
  /**
   * mqtt:// or mqtts:// URL of an external MQTT 5 broker (EMQX, HiveMQ, VerneMQ, Mosquitto 2): broker-role
   * processes take the device topics from it with shared subscriptions and send commands through it. Unset = none.
   */
  MQTT_EXTERNAL_URL: z
    .string()
    .regex(/^(mqtt|mqtts|tcp|ssl|ws|wss):\/\//, 'must be an mqtt://, mqtts://, ws:// or wss:// URL')
    .optional(),
  /** User name of Telemend's ingest account at the external broker. */
  MQTT_EXTERNAL_USERNAME: z.string().optional(),
  /** Password of that account. */
  MQTT_EXTERNAL_PASSWORD: z.string().optional(),
  /** PEM file of the CA that signed the external broker's certificate (mqtts://); unset = the system CAs. */
  MQTT_EXTERNAL_CA_FILE: z.string().optional(),
  /** PEM client certificate file, when the external broker authenticates clients by certificate. */
  MQTT_EXTERNAL_CERT_FILE: z.string().optional(),
  /** PEM private key file of that client certificate. */
  MQTT_EXTERNAL_KEY_FILE: z.string().optional(),
  /** Shared-subscription group: every ingest process with the same group shares the flow ($share/<group>/devices/+/...). */
  MQTT_EXTERNAL_SHARE_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -')
    .default('telemend'),
  /**
   * Client id prefix of this process's connections (`<id>-<n>`); must be stable across restarts and unique per
   * process, so a restarted process resumes its sessions and gets what it had not acknowledged. Unset = telemend-ingest-<hostname>.
   */
  MQTT_EXTERNAL_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'letters, digits and ._:-')
    .optional(),
  /** Connections per process (each handles one message at a time: acknowledged after the journal has it). */
  MQTT_EXTERNAL_CONNECTIONS: positiveInt.max(64).default(16),
  /** How long the external broker keeps a disconnected ingest session (and queues its messages), in seconds. */
  MQTT_EXTERNAL_SESSION_EXPIRY_SECONDS: positiveInt.default(86400),
  /** Keep device credentials and topic rules in Mosquitto 2's dynamic-security plugin ($CONTROL API) through the MQTT_EXTERNAL_* account. */
  MQTT_EXTERNAL_DYNSEC: bool.default(false),
  /** Management API of an external EMQX 5 or VerneMQ broker, used to disconnect a revoked or rotated client at once; unset = not used. */
  MQTT_EXTERNAL_ADMIN: z.enum(['emqx', 'vernemq']).optional(),
  /** Base URL of that management API (EMQX: http://host:18083; VerneMQ: http://host:8888). */
  MQTT_EXTERNAL_ADMIN_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** API key of the management API (EMQX: key of an API key pair; VerneMQ: an API key). */
  MQTT_EXTERNAL_ADMIN_KEY: z.string().min(1).optional(),
  /** EMQX only: the secret of the API key pair. */
  MQTT_EXTERNAL_ADMIN_SECRET: z.string().min(1).optional(),
  /** Shared secret the external broker sends (header x-telemend-hook-secret) to the HTTP auth/ACL endpoints; unset = endpoints off (404). */
  MQTT_AUTH_HOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** postgres:// URL of the CRM database; unset = embedded PGlite in DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  /** Folder for the embedded database and other local state. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** Where attachment files are kept: `disk` = DATA_DIR/attachments, `s3` = an S3-compatible bucket (ATTACHMENTS_S3_*). */
  ATTACHMENTS_STORE: z.enum(['disk', 's3']).default('disk'),
  /** Largest attachment accepted, in bytes (larger: 413). */
  ATTACHMENTS_MAX_BYTES: positiveInt.max(1024 * 1024 * 1024).default(15 * 1024 * 1024),
  /** Images are downscaled so their longer edge is at most this many pixels. */
  ATTACHMENTS_MAX_IMAGE_EDGE: positiveInt.min(64).max(20000).default(2560),
  /** S3-compatible endpoint (MinIO, Ceph, R2...); unset = AWS S3 of ATTACHMENTS_S3_REGION. */
  ATTACHMENTS_S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** Bucket of the attachments (must exist); required with ATTACHMENTS_STORE=s3. */
  ATTACHMENTS_S3_BUCKET: z.string().min(1).optional(),
  /** Region of the bucket. */
  ATTACHMENTS_S3_REGION: z.string().min(1).default('us-east-1'),
  /** Access key id; unset = the AWS SDK's default credential chain. */
  ATTACHMENTS_S3_ACCESS_KEY: z.string().min(1).optional(),
  /** Secret access key (with ATTACHMENTS_S3_ACCESS_KEY). */
  ATTACHMENTS_S3_SECRET_KEY: z.string().min(1).optional(),
  /** Company name printed in the header of every PDF document (invoices, work orders, service reports). */
  DOCUMENTS_COMPANY_NAME: z.string().trim().min(1).max(200).default('Telemend Service'),
  /** Company address lines under the name in the PDF header, separated by `|`. */
  DOCUMENTS_COMPANY_ADDRESS: z.string().max(500).default(''),
  /** Days from issue to the due date printed on invoices. */
  DOCUMENTS_PAYMENT_DAYS: z.coerce.number().int().min(0).max(365).default(30),
  /** Folder of equipment model files. */
  DEVICES_DIR: z.string().min(1).default('./devices'),
  /** Redis for the telemetry journal, queues and detector state. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key this installation uses. */
  REDIS_PREFIX: z.string().min(1).default('telemend'),
  /** InfluxDB base URL (1.x, 2.x or 3.x). */
  INFLUX_URL: z.url().default('http://127.0.0.1:8086'),
  /** Database (1.x, 3.x) or bucket (2.x) for telemetry; created at start if missing. */
  INFLUX_DATABASE: z.string().min(1).default('telemend'),
  /** Retention policy (1.x) used for writes and reads; empty = the database default. */
  INFLUX_RETENTION_POLICY: z.string().default(''),
  /** API token (2.x, 3.x). */
  INFLUX_TOKEN: z.string().optional(),
  /** Organisation (2.x). */
  INFLUX_ORG: z.string().optional(),
  /** User name (1.x with authentication). */
  INFLUX_USERNAME: z.string().optional(),
  /** Password (1.x with authentication). */
  INFLUX_PASSWORD: z.string().optional(),
  /**
   * Gzip telemetry writes larger than 128 KiB: `auto` (default) unless INFLUX_URL is a loopback
   * address (compressing for the local machine only costs CPU on both ends), `always`, `never`.
   */
  INFLUX_GZIP: z.enum(['auto', 'always', 'never']).default('auto'),
  /** About how many journalled publishes the writer takes per batch (one or more InfluxDB requests). */
  INFLUX_BATCH_SIZE: positiveInt.default(5000),
  /** Longest a reading waits in the journal before it is written, in milliseconds. */
  INFLUX_FLUSH_INTERVAL_MS: positiveInt.default(200),
  /** Least time between two journal batches, in milliseconds: a lightly loaded writer still gathers this much per batch (0 = no wait). */
  INFLUX_MIN_BATCH_INTERVAL_MS: z.coerce.number().int().nonnegative().max(5000).default(100),
  /** Detection shard queues (per-asset order; throughput scales up to this many workers). Same value in every process. */
  DETECTION_SHARDS: positiveInt.max(1024).default(4),
  /**
   * How long before a dead worker's work is taken over, in ms: the lock of a detection job (a
   * worker that dies mid-job holds its shard this long) and the idle time after which journal
   * entries read but not written by a dead writer are claimed by another.
   */
  WORKER_TAKEOVER_MS: positiveInt.min(1000).default(30000),
  /**
   * This worker's identity in the journal's consumer group: a restart with the same id writes
   * its predecessor's unwritten entries at once. One per deployment slot (e.g. worker-1,
   * worker-2). Unset: `<hostname>-<role>`.
   */
  WORKER_ID: z
    .string()
    .regex(/^[\w.:@-]{1,100}$/, 'letters, digits and . : @ - _ (at most 100)')
    .optional(),
  /**
   * Longest a graceful stop (SIGTERM, SIGINT) may take, in ms: stop accepting, write the journal
   * to InfluxDB, close the rest. Past it the process exits with status 1, naming what did not close.
   */
  SHUTDOWN_TIMEOUT_MS: positiveInt.min(1000).default(10000),
  /** How often the no-data sweep checks for silent devices, in milliseconds; 0 = never. */
  SILENCE_SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).default(60000),
  /** How often alarms of rules with ticket policy `persist` are checked and, once persisted, get their ticket (ms); 0 = never (they stay alarms). */
  TICKET_POLICY_SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).default(15000),
  /** How long raw readings are kept (InfluxDB duration such as 30d, or INF). Changes the raw retention policy: older readings are deleted. */
  TELEMETRY_RAW_RETENTION: z.string().default('30d'),
  /** How long the downsampled series (mean/min/max per interval) are kept. */
  TELEMETRY_DOWNSAMPLED_RETENTION: z.string().default('104w'),
  /** Width of one downsampled aggregate. */
  TELEMETRY_DOWNSAMPLE_INTERVAL: z.string().default('5m'),
  /** Windows this far back are recomputed on every run, so late (buffered) readings reach the aggregates. */
  TELEMETRY_DOWNSAMPLE_LATE_WINDOW: z.string().default('1h'),
  /** Retention policy (1.x) or bucket/database suffix (2.x/3.x) of the downsampled series. */
  TELEMETRY_DOWNSAMPLED_RP: z.string().default('downsampled'),
  /** InfluxDB 1.x: let continuous queries downsample ('continuous-query') or the platform's job ('job'). 2.x/3.x always use the job. */
  TELEMETRY_V1_MODE: z.enum(['continuous-query', 'job']).default('continuous-query'),
  /** SMTP server for e-mail notifications and scheduled reports (smtp:// or smtps://, credentials in the URL). */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'an smtp:// or smtps:// URL')
    .default('smtp://127.0.0.1:25'),
  /** Sender of notification and report e-mails. */
  NOTIFY_FROM: z.string().min(3).default('Telemend <notifications@telemend.invalid>'),
  /** HMAC key signing technicians' push notifications (X-Telemend-Signature); unset = unsigned. */
  NOTIFY_PUSH_SECRET: z.string().min(16).optional(),
  /**
   * Web Push (VAPID) key pair, base64url as `npx web-push generate-vapid-keys` prints them; set
   * both or neither. Unset: a pair is generated once and kept in the database, sealed with the
   * secrets key, so restarts keep the browsers' subscriptions valid.
   */
  WEB_PUSH_VAPID_PUBLIC_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{80,100}$/, 'a base64url P-256 public key')
    .optional(),
  WEB_PUSH_VAPID_PRIVATE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{40,50}$/, 'a base64url P-256 private key')
    .optional(),
  /** Who push services may contact about our messages (VAPID `sub`): a mailto: or https: URL. */
  WEB_PUSH_SUBJECT: z
    .string()
    .regex(/^(mailto:|https:\/\/)\S+$/, 'a mailto: or https: URL')
    .default('mailto:ops@telemend.invalid'),
  /**
   * Destinations that outgoing webhooks, notifications and push messages may reach although they
   * are not public addresses: comma-separated IP addresses, CIDR ranges or host names, each
   * optionally with `:port` (`10.0.0.0/8`, `127.0.0.1:9000`, `[fd00::/8]:443`, `erp.internal`).
   * Empty: only public unicast addresses are reached.
   */
  EGRESS_ALLOW: z
    .string()
    .default('')
    .superRefine((value, ctx) => {
      try {
        parseAllowList(value);
      } catch (error) {
        if (!(error instanceof EgressAllowListError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
      }
    }),
  /**
   * Key encrypting webhook and notification signing secrets in the database (AES-256-GCM): 32
   * random bytes in base64 (`openssl rand -base64 32`). Unset with the embedded database: a key
   * generated into DATA_DIR/secrets.key on first start. Required with DATABASE_URL.
   */
  SECRETS_KEY: secretsKey.optional(),
  /** Former SECRETS_KEY values (comma-separated), still accepted for reading while secrets are re-encrypted at start. */
  SECRETS_KEY_PREVIOUS: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      for (const key of (value ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean)) {
        const parsed = secretsKey.safeParse(key);
        if (!parsed.success) ctx.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'invalid key' });
      }
    }),
  /** Attempts per notification before it is given up (then retried only by an admin). */
  NOTIFY_MAX_ATTEMPTS: positiveInt.max(50).default(8),
  /** How often preventive maintenance visits are generated, in ms. */
  PREVENTIVE_INTERVAL_MS: positiveInt.min(1000).default(900000),
  /** Minutes before an SLA due time that the worker announces `ticket.sla_at_risk` (live feed, webhooks). */
  SLA_AT_RISK_LEAD_MINUTES: positiveInt.max(10080).default(30),
  /** Minutes before a task's due time that its reminder goes out, when the task does not say. */
  TASK_REMINDER_LEAD_MINUTES: z.coerce.number().int().min(0).max(10080).default(15),
  /** How often the worker sends due task reminders, in ms. */
  TASK_REMINDER_INTERVAL_MS: positiveInt.min(1000).default(60000),
  /** How often the worker's SLA watch looks for tickets at risk and breached, in ms. */
  SLA_WATCH_INTERVAL_MS: positiveInt.min(1000).default(60000),
  /** Days a new quote is valid: its default validUntil is today (UTC) plus this. */
  QUOTE_VALIDITY_DAYS: positiveInt.max(365).default(30),
  /** How often the opportunity rules run, in ms. */
  OPPORTUNITY_RULES_INTERVAL_MS: positiveInt.min(1000).default(3600000),
  /** Bootstrap bearer token: always acts as role admin (actor type admin_token); at least 16 characters. */
  TELEMEND_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters'),
  /**
   * HS256 key for login tokens, at least 32 characters. Unset: derived from TELEMEND_ADMIN_TOKEN
   * as HMAC-SHA256(key = admin token, message = "telemend/jwt-signing-key/v1"), so changing the
   * admin token then signs everyone out.
   */
  TELEMEND_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Lifetime of a login token, in seconds. */
  TELEMEND_TOKEN_TTL_SECONDS: positiveInt.max(7 * 24 * 3600).default(3600),
  /** Login attempts allowed per client IP and e-mail address per minute (counted in Redis, across API processes). */
  TELEMEND_LOGIN_ATTEMPTS_PER_MINUTE: positiveInt.default(5),
  /** Login attempts allowed per client IP per minute, whatever the e-mail (stops password spraying). */
  TELEMEND_LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: positiveInt.default(20),
  /** Login attempts allowed per account (e-mail) per hour, whatever the client IP. */
  TELEMEND_LOGIN_ATTEMPTS_PER_ACCOUNT_PER_HOUR: positiveInt.default(50),
  /** Password hashes login computes at once per API process (each ~0.1 s and 32 MiB); more attempts wait, then get 429. */
  TELEMEND_LOGIN_CONCURRENT_HASHES: positiveInt.max(64).default(2),
  /** Address of this installation as users reach it: the base of the links in invitation and password-reset e-mails. */
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:8080'),
  /** How long a customer user's invitation link stays valid, in hours. */
  PORTAL_INVITE_TTL_HOURS: positiveInt.max(720).default(72),
  /** How long a password-reset link stays valid, in minutes. */
  PASSWORD_RESET_TTL_MINUTES: positiveInt.max(1440).default(30),
  /** Largest request body accepted, in bytes (larger: 413). */
  HTTP_BODY_LIMIT_BYTES: positiveInt.default(1048576),
  /** Longest time to receive a whole request, in milliseconds. */
  HTTP_REQUEST_TIMEOUT_MS: positiveInt.default(30000),
  /** Requests per principal (or per client IP when not signed in) per window; 0 = no limit. */
  HTTP_RATE_LIMIT_MAX: z.coerce.number().int().min(0).default(1200),
  /** Window of HTTP_RATE_LIMIT_MAX, in milliseconds. */
  HTTP_RATE_LIMIT_WINDOW_MS: positiveInt.default(60000),
  /**
   * Statement timeout of reports and exports, in milliseconds: PostgreSQL cancels a longer
   * statement; with the embedded database the caller gets its answer (503) when it expires while
   * the statement finishes in the database thread (PGlite cannot be interrupted).
   */
  REPORT_TIMEOUT_MS: positiveInt.min(100).default(30000),
  /** Reports and exports one caller (user, API key, admin token) may run at once per API process; more: 429. */
  REPORT_CONCURRENCY_PER_CALLER: positiveInt.max(100).default(2),
  /** Reports and exports all callers together may run at once per API process; more: 503. */
  REPORT_CONCURRENCY: positiveInt.max(1000).default(4),
  /** How long a stored Idempotency-Key response is replayed, in seconds. */
  IDEMPOTENCY_TTL_SECONDS: positiveInt.default(86400),
  /**
   * Map tiles of the dispatcher console (Leaflet URL template: {z}/{x}/{y}, optional {s}). Its
   * origin is added to the CSP's img-src. Without network the map still shows its markers.
   */
  CONSOLE_MAP_TILES: z
    .string()
    .regex(/^https?:\/\/[^/\s]+\/\S*\{z\}\S*$/, 'an http(s) URL template with {z}, {x} and {y}')
    .default('https://tile.openstreetmap.org/{z}/{x}/{y}.png'),
  /** Attribution shown under the console's map (the tile source's licence). */
  CONSOLE_MAP_ATTRIBUTION: z.string().default('© OpenStreetMap contributors'),
  /** Grafana's base URL: the console links each asset to its dashboard (/d/telemend-asset-<model>?var-asset=<id>). Unset: no link. */
  GRAFANA_URL: z.url().optional(),
  /**
   * Bearer token Prometheus sends to scrape /metrics (API, and the metrics listener of the broker
   * and worker roles). Unset: the API's /metrics takes only TELEMEND_ADMIN_TOKEN, and the listener
   * answers without a token, which is allowed only on a loopback METRICS_HOST.
   */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Interface of the metrics listener of the broker and worker roles (the API serves /metrics itself). */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Port of that metrics listener (0 = a free port, logged). */
  METRICS_PORT: port.default(9464),
  /** Entries kept in the rejection log (oldest dropped first). */
  REJECTION_LOG_SIZE: positiveInt.default(10000),
  /** How far in the future a reading's timestamp may be, in milliseconds. */
  TELEMETRY_MAX_FUTURE_MS: positiveInt.default(300000),
});

export type Config = Readonly<z.infer<typeof configSchema>>;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly issues: readonly string[]) {
    super(`Invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once. Empty strings count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<string, string>> = {}): Config {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = overrides[key] ?? env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      // Keys, tokens and passwords are never echoed into a log.
      const shown = raw[name] === undefined ? 'unset' : /SECRET|TOKEN|PASSWORD/.test(name) ? 'set, value hidden' : `"${raw[name]}"`;
      return `${name} (${shown}): ${issue.message}`;
    });
    throw new ConfigError(issues);
  }
  const config = parsed.data;
  if (!config.METRICS_TOKEN && !isLoopback(config.METRICS_HOST)) {
    throw new ConfigError([`METRICS_HOST ("${config.METRICS_HOST}"): a metrics listener on a non-loopback interface needs METRICS_TOKEN`]);
  }
  if (config.MQTT_TLS_PORT > 0 && (!config.MQTT_TLS_CERT || !config.MQTT_TLS_KEY)) {
    throw new ConfigError(['MQTT_TLS_PORT: needs MQTT_TLS_CERT and MQTT_TLS_KEY']);
  }
  if (config.ATTACHMENTS_STORE === 's3' && !config.ATTACHMENTS_S3_BUCKET) throw new ConfigError(['ATTACHMENTS_STORE=s3: needs ATTACHMENTS_S3_BUCKET']);
  if (!!config.ATTACHMENTS_S3_ACCESS_KEY !== !!config.ATTACHMENTS_S3_SECRET_KEY) {
    throw new ConfigError(['ATTACHMENTS_S3_ACCESS_KEY and ATTACHMENTS_S3_SECRET_KEY: set both or neither']);
  }
  if (config.MQTT_EXTERNAL_DYNSEC && !config.MQTT_EXTERNAL_URL) throw new ConfigError(['MQTT_EXTERNAL_DYNSEC: needs MQTT_EXTERNAL_URL']);
  if (config.MQTT_EXTERNAL_ADMIN && (!config.MQTT_EXTERNAL_ADMIN_URL || !config.MQTT_EXTERNAL_ADMIN_KEY)) {
    throw new ConfigError(['MQTT_EXTERNAL_ADMIN: needs MQTT_EXTERNAL_ADMIN_URL and MQTT_EXTERNAL_ADMIN_KEY']);
  }
  if (config.MQTT_EXTERNAL_ADMIN === 'emqx' && !config.MQTT_EXTERNAL_ADMIN_SECRET)
    throw new ConfigError(['MQTT_EXTERNAL_ADMIN=emqx: needs MQTT_EXTERNAL_ADMIN_SECRET']);
  if (!config.MQTT_EMBEDDED && !config.MQTT_EXTERNAL_URL && (config.TELEMEND_ROLE === 'all' || config.TELEMEND_ROLE === 'broker')) {
    throw new ConfigError(['MQTT_EMBEDDED: false needs MQTT_EXTERNAL_URL (devices must reach some broker)']);
  }
  return Object.freeze(config);
}

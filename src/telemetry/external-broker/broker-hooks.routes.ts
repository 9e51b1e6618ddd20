/**
 * HTTP endpoints an external broker calls to authenticate and authorize clients, guarded by the
 * shared secret MQTT_AUTH_HOOK_SECRET in the `x-telemend-hook-secret` header (absent: not
 * registered, 404). Not rate limited: the broker calls them on every connect, and on publishes and
 * subscriptions its authorization cache misses.
 *
 * EMQX 5 (HTTP authentication / HTTP authorization, JSON body, POST):
 *   POST /api/v1/mqtt/emqx/authenticate {clientid, username, password} → {result: allow|deny, is_superuser: false}
 *   POST /api/v1/mqtt/emqx/authorize {clientid, username, topic, action: publish|subscribe} → {result: allow|deny}
 * VerneMQ (vmq_webhooks):
 *   POST /api/v1/mqtt/vernemq/auth_on_register | auth_on_publish | auth_on_subscribe → {result: "ok"} or {result: {error: "not_allowed"}}
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import type { ZodApp } from '../../kernel/http/http.types.js';
import type { BrokerHooksService } from './broker-hooks.service.js';

const hook = { public: true, rateLimit: false, idempotency: false } as const;
const tags = ['mqtt'];
const headers = z.looseObject({ 'x-telemend-hook-secret': z.string().optional().describe('MQTT_AUTH_HOOK_SECRET') });

const emqxAuthn = z.looseObject({ clientid: z.string().optional(), username: z.string().optional(), password: z.string().optional() });
const emqxAuthz = z.looseObject({
  clientid: z.string().optional(),
  username: z.string().optional(),
  topic: z.string().min(1),
  action: z.enum(['publish', 'subscribe']),
});
const emqxResult = z.object({ result: z.enum(['allow', 'deny']), is_superuser: z.boolean().optional() });

const vmqRegister = z.looseObject({ client_id: z.string().optional(), username: z.string().nullable().optional(), password: z.string().nullable().optional() });
const vmqPublish = z.looseObject({ client_id: z.string().optional(), username: z.string().nullable().optional(), topic: z.string().min(1) });
const vmqSubscribe = z.looseObject({
  client_id: z.string().optional(),
  username: z.string().nullable().optional(),
  topics: z.array(z.looseObject({ topic: z.string().min(1) })).min(1),
});
const vmqResult = z.object({ result: z.union([z.literal('ok'), z.object({ error: z.string() })]) });

const digest = (s: string) => createHash('sha256').update(s).digest();

export interface BrokerHooksRoutesDeps {
  readonly hooks: BrokerHooksService;
  /** MQTT_AUTH_HOOK_SECRET: the routes are registered only when it is set (external-broker.module.ts). */
  readonly secret: string;
}

export async function brokerHooksRoutes(app: ZodApp, { hooks, secret }: BrokerHooksRoutesDeps): Promise<void> {
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/v1/mqtt/')) return;
    const given = request.headers['x-telemend-hook-secret'];
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), digest(secret))) {
      throw new AppError('UNAUTHENTICATED', 'missing or wrong x-telemend-hook-secret');
    }
  });
  const vmq = (ok: boolean) => ({ result: ok ? ('ok' as const) : { error: 'not_allowed' } });

  app.post(
    '/mqtt/emqx/authenticate',
    { config: hook, schema: { tags, summary: 'EMQX HTTP authentication', headers, body: emqxAuthn, response: { 200: emqxResult } } },
    async (request) => {
      const { clientid, username, password } = request.body;
      return { result: (await hooks.authenticate(clientid, username, password)) ? 'allow' : 'deny', is_superuser: false } as const;
    },
  );
  app.post(
    '/mqtt/emqx/authorize',
    { config: hook, schema: { tags, summary: 'EMQX HTTP authorization', headers, body: emqxAuthz, response: { 200: emqxResult } } },
    async (request) => {
      const { clientid, username, topic, action } = request.body;
      return { result: (await hooks.authorize(clientid, username, action, topic)) ? 'allow' : 'deny' } as const;
    },
  );
  app.post(
    '/mqtt/vernemq/auth_on_register',
    { config: hook, schema: { tags, summary: 'VerneMQ webhook auth_on_register', headers, body: vmqRegister, response: { 200: vmqResult } } },
    async (request) => {
      const { client_id, username, password } = request.body;
      return vmq(await hooks.authenticate(client_id, username ?? undefined, password ?? undefined));
    },
  );
  app.post(
    '/mqtt/vernemq/auth_on_publish',
    { config: hook, schema: { tags, summary: 'VerneMQ webhook auth_on_publish', headers, body: vmqPublish, response: { 200: vmqResult } } },
    async (request) => {
      const { client_id, username, topic } = request.body;
      return vmq(await hooks.authorize(client_id, username ?? undefined, 'publish', topic));
    },
  );
  app.post(
    '/mqtt/vernemq/auth_on_subscribe',
    { config: hook, schema: { tags, summary: 'VerneMQ webhook auth_on_subscribe', headers, body: vmqSubscribe, response: { 200: vmqResult } } },
    async (request) => {
      const { client_id, username, topics } = request.body;
      for (const { topic } of topics) if (!(await hooks.authorize(client_id, username ?? undefined, 'subscribe', topic))) return vmq(false);
      return vmq(true);
    },
  );
}

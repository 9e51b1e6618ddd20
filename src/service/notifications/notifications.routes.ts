/** /api/v1/notifications and /api/v1/contacts/:id/notification-preferences — thin handlers over NotificationsService. */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { principalOf, requestScope } from '../../access/auth/principal.js';
import { assertSendableUrl, type EgressPolicy } from '../../kernel/egress/egress-policy.js';
import type { NotificationsService } from './notifications.service.js';
import {
  contactPreferencesParams,
  listNotificationsQuery,
  notificationIdParams,
  notificationPage,
  notificationSchema,
  preferencesSchema,
  putPreferencesBody,
} from './notifications.schemas.js';

/** Staff who follow up with customers read the outbox; only admins re-queue a message. */
const read = { roles: ['admin', 'dispatcher', 'agent'] } as const;
const admin = { roles: ['admin'] } as const;
/** Customers may read their own contacts' preferences; staff change them (webhook URLs are staff-vetted). */
const readPreferences = { roles: ['admin', 'dispatcher', 'agent', 'customer'] } as const;
const writePreferences = { roles: ['admin', 'dispatcher', 'agent'] } as const;
const tags = ['notifications'];

export interface NotificationsRoutesDeps {
  readonly notifications: NotificationsService;
  /** EGRESS_ALLOW: a contact webhook URL the sender could not POST to is refused up front. */
  readonly egress: EgressPolicy;
}

export const notificationsRoutes = async (app: ZodApp, { notifications: service, egress }: NotificationsRoutesDeps): Promise<void> => {
  app.get(
    '/notifications',
    {
      config: read,
      schema: {
        tags,
        summary: 'List queued and sent notifications',
        description: 'Filters: ticketId, status, event, channel. Newest first by default.',
        querystring: listNotificationsQuery,
        response: { 200: notificationPage },
      },
    },
    async (request) => service.list(request.query),
  );

  app.get(
    '/notifications/:id',
    { config: read, schema: { tags, summary: 'Read a notification', params: notificationIdParams, response: { 200: notificationSchema } } },
    async (request) => service.get(request.params.id),
  );

  app.post(
    '/notifications/:id/retry',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Queue a failed or given-up notification again',
        description: 'Resets the attempt count; CONFLICT for a notification that is pending, sending or sent.',
        params: notificationIdParams,
        response: { 200: notificationSchema },
      },
    },
    async (request) => service.retry(request.params.id, principalOf(request).actor),
  );

  app.get(
    '/contacts/:id/notification-preferences',
    {
      config: readPreferences,
      schema: { tags, summary: "Read a contact's notification preferences", params: contactPreferencesParams, response: { 200: preferencesSchema } },
    },
    async (request, reply) => {
      const preferences = await service.getPreferences(request.params.id, requestScope(request));
      return reply.header('etag', etagOf(preferences.version)).send(preferences);
    },
  );

  app.put(
    '/contacts/:id/notification-preferences',
    {
      config: writePreferences,
      schema: {
        tags,
        summary: "Replace a contact's notification preferences",
        description:
          'Events (empty = all), channels (email, webhook), e-mail address, webhook URL and secret (write-only; absent keeps the stored one), time zone.',
        params: contactPreferencesParams,
        headers: ifMatchHeaders,
        body: putPreferencesBody,
        response: { 200: preferencesSchema },
      },
    },
    async (request, reply) => {
      assertSendableUrl(egress, request.body.webhookUrl, 'body.webhookUrl');
      const preferences = await service.putPreferences(request.params.id, request.body, principalOf(request).actor, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(preferences.version)).send(preferences);
    },
  );
};

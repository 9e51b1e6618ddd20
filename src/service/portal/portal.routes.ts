/** /api/v1/portal/... — the customer portal's own reads and writes (role customer). Thin handlers over PortalService. */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { callerOf } from '../../access/auth/principal.js';
import type { PortalService } from './portal.service.js';
import {
  createNoteBody,
  portalAssetList,
  portalContactList,
  portalContactSchema,
  portalIdParams,
  portalNoteList,
  portalNoteSchema,
  portalPreferencesBody,
  portalSiteList,
  portalVisitList,
} from './portal.schemas.js';

const config = { roles: ['customer'] } as const;
const tags = ['portal'];

export async function portalRoutes(app: ZodApp, { portal }: { portal: PortalService }): Promise<void> {
  app.get('/portal/sites', { config, schema: { tags, summary: "The customer's sites", response: { 200: portalSiteList } } }, async (request) => ({
    items: await portal.sites(callerOf(request)),
  }));

  app.get(
    '/portal/assets',
    { config, schema: { tags, summary: "The customer's equipment with its state (online/offline, open alarms)", response: { 200: portalAssetList } } },
    async (request) => ({ items: await portal.assets(callerOf(request)) }),
  );

  app.get(
    '/portal/tickets/:id/visits',
    {
      config,
      schema: {
        tags,
        summary: "A ticket's visits: window, status, live ETA and the technician's first name",
        params: portalIdParams,
        response: { 200: portalVisitList },
      },
    },
    async (request) => ({ items: await portal.visits(request.params.id, callerOf(request)) }),
  );

  app.get(
    '/portal/tickets/:id/notes',
    { config, schema: { tags, summary: "The customer's notes on a ticket", params: portalIdParams, response: { 200: portalNoteList } } },
    async (request) => ({ items: await portal.notes(request.params.id, callerOf(request)) }),
  );

  app.post(
    '/portal/tickets/:id/notes',
    {
      config,
      schema: {
        tags,
        summary: 'Add a note to a ticket (an inbound activity staff see)',
        params: portalIdParams,
        body: createNoteBody,
        response: { 201: portalNoteSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await portal.addNote(request.params.id, request.body.text, callerOf(request))),
  );

  app.get(
    '/portal/contacts',
    { config, schema: { tags, summary: "The customer's contacts and whether they are notified", response: { 200: portalContactList } } },
    async (request) => ({ items: await portal.contacts(callerOf(request)) }),
  );

  app.put(
    '/portal/contacts/:id/notifications',
    {
      config,
      schema: {
        tags,
        summary: 'Turn a contact’s notifications on or off and choose the events',
        description: 'Channels, addresses and webhooks stay as the service company set them.',
        params: portalIdParams,
        body: portalPreferencesBody,
        response: { 200: portalContactSchema },
      },
    },
    async (request) => portal.setPreferences(request.params.id, request.body, callerOf(request)),
  );
}

/** GET /api/v1/customers/{id}/360 — the customer at a glance; money removed for agents. */
import { ALL_ROLES, type ZodApp } from '../../kernel/http/http.types.js';
import { requestScope } from '../../access/auth/principal.js';
import type { Customer360Service } from './customer-360.service.js';
import { customer360Params, customer360Schema } from './customer-360.schemas.js';

/** Every role; a customer user only for its own customer (another id is 404). */
const read = { roles: ALL_ROLES };

export async function customer360Routes(app: ZodApp, deps: { customer360: Customer360Service }): Promise<void> {
  const service = deps.customer360;

  app.get(
    '/customers/:id/360',
    {
      config: read,
      schema: {
        tags: ['customers'],
        summary: 'Customer 360: profile, contacts, sites, assets and their state, open tickets, contracts, activities, KPIs',
        params: customer360Params,
        response: { 200: customer360Schema },
      },
    },
    async (request) => service.get(request.params.id, requestScope(request)),
  );
}

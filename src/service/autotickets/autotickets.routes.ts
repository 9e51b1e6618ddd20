/** GET /api/v1/tickets/{id}/diagnosis — the prefill and evidence of an auto-ticket. */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { ticketIdParams } from '../tickets/tickets.schemas.js';
import { diagnosisSchema } from './autotickets.schemas.js';
import type { AutoTicketService } from './autotickets.service.js';

/** Staff who work tickets; customers see the ticket itself, not the internal diagnosis and ranking. */
const read = { roles: ['admin', 'dispatcher', 'agent', 'technician'] } as const;

export async function autoTicketsRoutes(app: ZodApp, { autotickets: service }: { autotickets: AutoTicketService }): Promise<void> {
  app.get(
    '/tickets/:id/diagnosis',
    {
      config: read,
      schema: {
        tags: ['tickets'],
        summary:
          'Prefill of an auto-ticket: diagnosis, parts, labour, priority rule, SLA, knowledge, past resolutions, suggested technicians, evidence (404 for manual tickets)',
        params: ticketIdParams,
        response: { 200: diagnosisSchema },
      },
    },
    async (request) => service.diagnosis(request.params.id),
  );
}

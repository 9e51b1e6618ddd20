/**
 * The fault a ticket is about, with its diagnosis and recommended actions: an auto-ticket's
 * stored prefill, else the asset model's fault catalogue entry for the ticket's fault code
 * (equipment_models holds every loaded model definition). Null for a ticket without a fault.
 */
import type { Queryable } from '../../kernel/db/database.js';

export interface TicketFault {
  code: string;
  title: string;
  diagnosis: string | null;
  probableCauses: string[];
  actions: string[];
}

interface FaultJson {
  code?: string;
  title?: string;
  diagnosis?: string | null;
  probableCauses?: string[];
  actions?: string[];
}

export async function faultOfTicket(q: Queryable, ticketId: string): Promise<TicketFault | null> {
  const { rows } = await q.query<{ prefill: FaultJson | null; catalogue: FaultJson | null; fault_code: string | null }>(
    `SELECT t.fault_code, a.prefill->'fault' AS prefill,
            (SELECT f FROM assets s JOIN equipment_models m ON m.id = s.model_id, jsonb_array_elements(m.definition->'faults') f
              WHERE s.id = t.asset_id AND f->>'code' = t.fault_code LIMIT 1) AS catalogue
       FROM tickets t LEFT JOIN ticket_autofill a ON a.ticket_id = t.id WHERE t.id = $1`,
    [ticketId],
  );
  const row = rows[0];
  if (!row) return null;
  const fault = row.prefill?.code && (row.prefill.actions?.length || !row.catalogue) ? row.prefill : row.catalogue;
  if (!fault?.code && !row.fault_code) return null;
  return {
    code: fault?.code ?? row.fault_code!,
    title: fault?.title ?? row.fault_code!,
    diagnosis: fault?.diagnosis ?? null,
    probableCauses: fault?.probableCauses ?? [],
    actions: fault?.actions ?? [],
  };
}

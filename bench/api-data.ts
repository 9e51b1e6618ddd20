/**
 * Bulk data for `npm run bench:api`, generated inside PostgreSQL with INSERT ... SELECT over
 * generate_series (no round trip per row): customers with two sites each, assets spread over the
 * sites and the equipment models, one active contract per customer, technicians, tickets over
 * two years in a realistic status mix (most closed), their status history and visits.
 */
import pg from 'pg';

export interface BenchDataOptions {
  /** Assets (default 10,000). */
  assets: number;
  /** Tickets (default 100,000). */
  tickets: number;
  /** Equipment model ids the assets are of. */
  modelIds: readonly string[];
  log: (msg: string) => void;
}

export interface BenchSample {
  ticketIds: string[];
  customerIds: string[];
  technicianIds: string[];
}

export async function loadBenchData(url: string, options: BenchDataOptions): Promise<BenchSample> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const step = async (what: string, sql: string, params: unknown[] = []) => {
    const started = Date.now();
    const result = await client.query(sql, params);
    options.log(`  ${what}: ${result.rowCount ?? 0} rows in ${Date.now() - started} ms`);
  };
  try {
    const customers = Math.max(1, Math.round(options.assets / 10));
    await client.query('BEGIN');
    await step(
      'technicians',
      `INSERT INTO users (email, name, role, skills, territories)
       SELECT 'tech' || g || '@bench.example', 'Technician ' || g, 'technician',
              jsonb_build_array((ARRAY['refrigeration','mechanical','electrical','combustion'])[1 + g % 4]), ARRAY['DE']
         FROM generate_series(1, 50) g`,
    );
    await step(
      'customers',
      `INSERT INTO customers (name, code, email, phone)
       SELECT 'Customer ' || lpad(g::text, 5, '0'), 'B' || lpad(g::text, 5, '0'), 'service@customer' || g || '.example', '+49 30 ' || (1000000 + g)
         FROM generate_series(1, $1::int) g`,
      [customers],
    );
    await step(
      'sites',
      `INSERT INTO sites (customer_id, name, address, city, country, latitude, longitude)
       SELECT c.id, c.name || ' site ' || s, 'Industriestraße ' || s, 'Berlin', 'DE', 52.5 + random() / 10, 13.4 + random() / 10
         FROM customers c CROSS JOIN generate_series(1, 2) s`,
    );
    await step(
      'assets',
      `WITH s AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn, count(*) OVER () AS n FROM sites)
       INSERT INTO assets (site_id, model_id, serial_number, name, install_date, warranty_end)
       SELECT s.id, ($2::text[])[1 + g % array_length($2::text[], 1)], 'BENCH-' || lpad(g::text, 6, '0'), 'Asset ' || g,
              date '2019-01-01' + g % 1800, date '2021-01-01' + g % 1800
         FROM generate_series(0, $1::int - 1) g JOIN s ON s.rn = g % s.n`,
      [options.assets, options.modelIds],
    );
    await step(
      'contracts',
      `INSERT INTO service_contracts (customer_id, name, status, starts_on, ends_on, labour_coverage_pct, sla, prepaid_minutes_purchased, prepaid_minutes_balance, value)
       SELECT id, 'Full service', 'active', date '2023-01-01', date '2027-12-31', 50, NULL, 6000, 3000, 12000 FROM customers`,
    );
    await client.query(`CREATE TEMP TABLE bench_assets AS
      SELECT a.id, a.site_id, s.customer_id, row_number() OVER (ORDER BY a.id) - 1 AS rn FROM assets a JOIN sites s ON s.id = a.site_id`);
    await client.query('CREATE TEMP TABLE bench_techs AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM users WHERE role = $1', ['technician']);
    await client.query('CREATE INDEX ON bench_assets (rn)');
    await step(
      'tickets',
      `WITH g AS (
         SELECT g, now() - (random() * interval '730 days') AS created,
                CASE WHEN g % 20 < 14 THEN 'closed' ELSE (ARRAY['new','assigned','scheduled','en_route','in_progress','on_hold','resolved'])[1 + g % 7] END AS status
           FROM generate_series(0, $1::int - 1) g)
       INSERT INTO tickets (channel, type, priority, title, description, customer_id, site_id, asset_id, contract_id, fault_code, status,
                            technician_id, sla_source, response_due_at, resolution_due_at, responded_at, resolved_at, closed_at, hold_reason,
                            status_changed_at, created_by_type, created_by_id, created_at, updated_at)
       SELECT (ARRAY['phone','email','web','iot','agent'])[1 + g % 5], 'breakdown', (ARRAY['low','medium','high','critical'])[1 + (g / 7) % 4],
              'Fault ' || g, 'Generated ticket ' || g, a.customer_id, a.site_id, a.id, c.id, NULL, g.status,
              CASE WHEN g.status = 'new' THEN NULL ELSE t.id END, 'contract',
              g.created + interval '8 hours', g.created + interval '48 hours',
              CASE WHEN g.status IN ('en_route','in_progress','on_hold','resolved','closed') THEN g.created + interval '3 hours' END,
              CASE WHEN g.status IN ('resolved','closed') THEN g.created + interval '30 hours' END,
              CASE WHEN g.status = 'closed' THEN g.created + interval '3 days' END,
              CASE WHEN g.status = 'on_hold' THEN 'parts' END,
              g.created, 'system', 'bench', g.created, g.created
         FROM g
         JOIN bench_assets a ON a.rn = g.g % $2::int
         JOIN bench_techs t ON t.rn = g.g % 50
         JOIN LATERAL (SELECT id FROM service_contracts sc WHERE sc.customer_id = a.customer_id LIMIT 1) c ON true`,
      [options.tickets, options.assets],
    );
    await step(
      'status history',
      `INSERT INTO ticket_status_history (ticket_id, from_status, to_status, at, actor_type, actor_id, technician_id)
       SELECT id, NULL, 'new', created_at, 'system', 'bench', NULL FROM tickets
       UNION ALL
       SELECT id, 'new', status, created_at + interval '1 hour', 'system', 'bench', technician_id FROM tickets WHERE status <> 'new'`,
    );
    await step(
      'visits',
      `INSERT INTO visits (ticket_id, technician_id, status, planned_start, planned_end, actual_start, actual_end, outcome, created_at, updated_at)
       SELECT id, technician_id, CASE WHEN status IN ('resolved','closed') THEN 'completed' ELSE 'in_progress' END,
              created_at + interval '2 hours', created_at + interval '5 hours', created_at + interval '3 hours',
              CASE WHEN status IN ('resolved','closed') THEN created_at + interval '5 hours' END,
              CASE WHEN status IN ('resolved','closed') THEN 'fixed' END, created_at, created_at
         FROM tickets WHERE status IN ('in_progress','on_hold','resolved','closed')`,
    );
    await client.query('COMMIT');
    const started = Date.now();
    await client.query('VACUUM ANALYZE');
    options.log(`  vacuum analyze: ${Date.now() - started} ms`);
    const ids = async (sql: string) => (await client.query<{ id: string }>(sql)).rows.map((r) => r.id);
    return {
      ticketIds: await ids('SELECT id FROM tickets ORDER BY random() LIMIT 2000'),
      customerIds: await ids('SELECT id FROM customers ORDER BY random() LIMIT 500'),
      technicianIds: await ids("SELECT id FROM users WHERE role = 'technician'"),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

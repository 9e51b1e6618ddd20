import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * Parts and stock: the catalogue, stock locations (warehouses and vans), quantities per location,
 * reservations per ticket, transfers, defective returns, backorders and the movement ledger.
 *
 * Quantities never go negative: CHECK constraints here, and every change runs under a row lock of
 * the part (`SELECT ... FROM parts ... FOR NO KEY UPDATE`, parts in id order), see stock-levels.repository.ts.
 */
export const stockMigration: Migration = {
  id: '0007_stock',
  sql: `
    CREATE TABLE parts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      sku text NOT NULL UNIQUE CHECK (length(sku) BETWEEN 1 AND 64),
      description text NOT NULL,
      unit text NOT NULL DEFAULT 'pcs',
      unit_price numeric(12,2) NOT NULL CHECK (unit_price >= 0),
      unit_cost numeric(12,2) NOT NULL CHECK (unit_cost >= 0),
      -- equipment_models ids (checked by the application: an array cannot hold a foreign key)
      compatible_models text[] NOT NULL DEFAULT '{}',
      reorder_point numeric(12,3) CHECK (reorder_point >= 0),
      reorder_quantity numeric(12,3) CHECK (reorder_quantity > 0),
      supplier text,
      lead_time_days integer CHECK (lead_time_days >= 0),
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1
    );
    CREATE INDEX parts_models_idx ON parts USING gin (compatible_models);
    CREATE INDEX parts_description_idx ON parts (lower(description), id);

    CREATE TABLE stock_locations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      code text NOT NULL UNIQUE,
      name text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('central', 'local', 'van')),
      -- one van per technician; only vans have one
      technician_id uuid UNIQUE REFERENCES users(id),
      address text,
      latitude double precision CHECK (latitude BETWEEN -90 AND 90),
      longitude double precision CHECK (longitude BETWEEN -180 AND 180),
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1,
      CHECK ((kind = 'van') = (technician_id IS NOT NULL)),
      CHECK ((latitude IS NULL) = (longitude IS NULL))
    );

    -- available = on_hand - reserved; defective parts (returns) are counted apart and never available.
    CREATE TABLE stock_levels (
      location_id uuid NOT NULL REFERENCES stock_locations(id),
      part_id uuid NOT NULL REFERENCES parts(id),
      on_hand numeric(12,3) NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
      reserved numeric(12,3) NOT NULL DEFAULT 0 CHECK (reserved >= 0),
      defective numeric(12,3) NOT NULL DEFAULT 0 CHECK (defective >= 0),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (location_id, part_id),
      CHECK (reserved <= on_hand)
    );
    CREATE INDEX stock_levels_part_idx ON stock_levels (part_id, location_id);

    -- quantity = what was reserved; consumed + released of it; active while some is outstanding.
    CREATE TABLE stock_reservations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      ticket_id uuid NOT NULL REFERENCES tickets(id),
      part_id uuid NOT NULL REFERENCES parts(id),
      location_id uuid NOT NULL REFERENCES stock_locations(id),
      quantity numeric(12,3) NOT NULL CHECK (quantity > 0),
      consumed numeric(12,3) NOT NULL DEFAULT 0 CHECK (consumed >= 0),
      released numeric(12,3) NOT NULL DEFAULT 0 CHECK (released >= 0),
      status text NOT NULL CHECK (status IN ('active', 'consumed', 'released')),
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      actor_type text NOT NULL,
      actor_id text NOT NULL,
      CHECK (consumed + released <= quantity),
      CHECK ((status = 'active') = (consumed + released < quantity))
    );
    CREATE INDEX stock_reservations_ticket_idx ON stock_reservations (ticket_id, part_id);
    CREATE INDEX stock_reservations_active_idx ON stock_reservations (part_id, location_id) WHERE status = 'active';

    CREATE SEQUENCE stock_transfer_number_seq;
    CREATE TABLE stock_transfers (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      number text NOT NULL UNIQUE DEFAULT ('TRF-' || lpad(nextval('stock_transfer_number_seq')::text, 6, '0')),
      from_location_id uuid NOT NULL REFERENCES stock_locations(id),
      to_location_id uuid NOT NULL REFERENCES stock_locations(id),
      status text NOT NULL CHECK (status IN ('requested', 'shipped', 'received', 'cancelled')),
      ticket_id uuid REFERENCES tickets(id),
      note text,
      requested_at timestamptz NOT NULL,
      shipped_at timestamptz,
      received_at timestamptz,
      cancelled_at timestamptz,
      actor_type text NOT NULL,
      actor_id text NOT NULL,
      version integer NOT NULL DEFAULT 1,
      CHECK (from_location_id <> to_location_id)
    );
    CREATE INDEX stock_transfers_status_idx ON stock_transfers (status, requested_at, id);
    CREATE TABLE stock_transfer_lines (
      transfer_id uuid NOT NULL REFERENCES stock_transfers(id),
      part_id uuid NOT NULL REFERENCES parts(id),
      quantity numeric(12,3) NOT NULL CHECK (quantity > 0),
      PRIMARY KEY (transfer_id, part_id)
    );
    CREATE INDEX stock_transfer_lines_part_idx ON stock_transfer_lines (part_id);

    -- Defective parts sent back to a warehouse (from a van, or straight from a site: from_location_id NULL).
    CREATE TABLE stock_returns (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      part_id uuid NOT NULL REFERENCES parts(id),
      from_location_id uuid REFERENCES stock_locations(id),
      to_location_id uuid NOT NULL REFERENCES stock_locations(id),
      quantity numeric(12,3) NOT NULL CHECK (quantity > 0),
      reason text NOT NULL,
      ticket_id uuid REFERENCES tickets(id),
      visit_id uuid REFERENCES visits(id),
      status text NOT NULL CHECK (status IN ('received', 'repaired', 'scrapped', 'returned_to_supplier')),
      received_at timestamptz NOT NULL,
      closed_at timestamptz,
      actor_type text NOT NULL,
      actor_id text NOT NULL
    );
    CREATE INDEX stock_returns_status_idx ON stock_returns (status, received_at, id);

    -- Parts a visit used that no stock covered (see StockService.consumeForVisitPart).
    CREATE TABLE stock_backorders (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      part_id uuid NOT NULL REFERENCES parts(id),
      location_id uuid REFERENCES stock_locations(id),
      ticket_id uuid REFERENCES tickets(id),
      visit_id uuid REFERENCES visits(id),
      quantity numeric(12,3) NOT NULL CHECK (quantity > 0),
      status text NOT NULL CHECK (status IN ('open', 'settled')),
      created_at timestamptz NOT NULL,
      settled_at timestamptz,
      settled_location_id uuid REFERENCES stock_locations(id)
    );
    CREATE INDEX stock_backorders_open_idx ON stock_backorders (part_id) WHERE status = 'open';

    -- The ledger. quantity is the signed change of one bucket of one stock_levels row:
    -- bucket on_hand: receipt (+), consumption (-), transfer_out (-), transfer_in (+), return (- leaving a van;
    --   + a repaired part back in stock), adjustment (+/-); bucket reserved: reservation (+), release (-, also
    --   when a reservation is consumed); bucket defective: return (+), disposal (-).
    -- Parts consumption = -SUM(quantity) WHERE kind = 'consumption' (one row per location and visit part).
    CREATE TABLE stock_movements (
      id bigserial PRIMARY KEY,
      part_id uuid NOT NULL REFERENCES parts(id),
      location_id uuid NOT NULL REFERENCES stock_locations(id),
      kind text NOT NULL CHECK (kind IN ('receipt', 'reservation', 'release', 'consumption', 'transfer_out', 'transfer_in', 'return', 'adjustment', 'disposal')),
      bucket text NOT NULL CHECK (bucket IN ('on_hand', 'reserved', 'defective')),
      quantity numeric(12,3) NOT NULL CHECK (quantity <> 0),
      unit_cost numeric(12,2),
      ticket_id uuid REFERENCES tickets(id),
      visit_id uuid REFERENCES visits(id),
      transfer_id uuid REFERENCES stock_transfers(id),
      reservation_id uuid REFERENCES stock_reservations(id),
      return_id uuid REFERENCES stock_returns(id),
      reference text,
      reason text,
      at timestamptz NOT NULL,
      actor_type text NOT NULL,
      actor_id text NOT NULL
    );
    CREATE INDEX stock_movements_part_idx ON stock_movements (part_id, at, id);
    CREATE INDEX stock_movements_location_idx ON stock_movements (location_id, at, id);
    CREATE INDEX stock_movements_ticket_idx ON stock_movements (ticket_id) WHERE ticket_id IS NOT NULL;
    CREATE INDEX stock_movements_consumption_idx ON stock_movements (at, part_id) WHERE kind = 'consumption';
  `,
};

import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * People and what is known about them. Owned here (contacts are the "people" it is named after;
 * it creates one table per feature); it creates:
 * - custom_field_definitions and the `custom` columns of customers, sites, assets and tickets
 *   (service/custom-fields);
 * - contacts (service/contacts);
 * - activities (service/activities);
 * - knowledge_articles with its search function and trigger (service/knowledge).
 */
// The SQL keeps its original indentation: installed databases recorded this id, and the text must
// stay byte for byte what they ran (test/db/migrations-list.test.ts checks its hash).
export const contactsMigration: Migration = {
  id: '0004_crm_people',
  sql: `
      -- Custom fields: an admin defines typed fields per entity; values live in a custom jsonb
      -- column of the entity, validated against the definitions by the application.
      CREATE TABLE custom_field_definitions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        entity text NOT NULL CHECK (entity IN ('customer', 'site', 'asset', 'contact', 'ticket')),
        key text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
        label text NOT NULL,
        type text NOT NULL CHECK (type IN ('text', 'number', 'boolean', 'date', 'enum')),
        options jsonb NOT NULL DEFAULT '[]',
        required boolean NOT NULL DEFAULT false,
        filterable boolean NOT NULL DEFAULT false,
        description text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        UNIQUE (entity, key)
      );
      ALTER TABLE customers ADD COLUMN custom jsonb NOT NULL DEFAULT '{}';
      ALTER TABLE sites ADD COLUMN custom jsonb NOT NULL DEFAULT '{}';
      ALTER TABLE assets ADD COLUMN custom jsonb NOT NULL DEFAULT '{}';
      ALTER TABLE tickets ADD COLUMN custom jsonb NOT NULL DEFAULT '{}';
      -- Filtering by custom.<key>=value is a containment test (custom @> '{"key": value}').
      CREATE INDEX customers_custom_idx ON customers USING gin (custom jsonb_path_ops);
      CREATE INDEX assets_custom_idx ON assets USING gin (custom jsonb_path_ops);

      -- People at a customer, their channels and preferences; at most one primary per customer.
      CREATE TABLE contacts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES customers(id),
        name text NOT NULL,
        job_title text,
        emails jsonb NOT NULL DEFAULT '[]',
        phones jsonb NOT NULL DEFAULT '[]',
        preferred_channel text CHECK (preferred_channel IN ('email', 'phone', 'sms', 'whatsapp', 'post')),
        language text,
        opt_outs text[] NOT NULL DEFAULT '{}',
        is_primary boolean NOT NULL DEFAULT false,
        notes text,
        custom jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      );
      CREATE INDEX contacts_customer_idx ON contacts (customer_id, lower(name), id);
      CREATE INDEX contacts_name_idx ON contacts (lower(name), id);
      CREATE UNIQUE INDEX contacts_primary_idx ON contacts (customer_id) WHERE is_primary;

      -- Interaction history: calls, e-mails, meetings, notes. customer_id is always set (derived
      -- from the contact, asset or ticket when not given) so a customer's history is one index scan.
      CREATE TABLE activities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('call', 'email', 'meeting', 'note')),
        direction text NOT NULL CHECK (direction IN ('inbound', 'outbound', 'internal')),
        subject text NOT NULL,
        body text,
        occurred_at timestamptz NOT NULL,
        duration_minutes integer CHECK (duration_minutes >= 0),
        customer_id uuid NOT NULL REFERENCES customers(id),
        contact_id uuid REFERENCES contacts(id),
        asset_id uuid REFERENCES assets(id),
        ticket_id uuid REFERENCES tickets(id),
        author_type text NOT NULL,
        author_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      );
      CREATE INDEX activities_customer_idx ON activities (customer_id, occurred_at, id);
      CREATE INDEX activities_contact_idx ON activities (contact_id, occurred_at, id) WHERE contact_id IS NOT NULL;
      CREATE INDEX activities_asset_idx ON activities (asset_id, occurred_at, id) WHERE asset_id IS NOT NULL;
      CREATE INDEX activities_ticket_idx ON activities (ticket_id, occurred_at, id) WHERE ticket_id IS NOT NULL;
      CREATE INDEX activities_occurred_idx ON activities (occurred_at, id);

      -- Knowledge base: articles per equipment model and fault code, with full-text search.
      -- search = title (weight A) + tags and fault codes (B) + body (C), kept by a trigger.
      CREATE TABLE knowledge_articles (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title text NOT NULL,
        body text NOT NULL,
        tags text[] NOT NULL DEFAULT '{}',
        model_ids text[] NOT NULL DEFAULT '{}',
        fault_codes text[] NOT NULL DEFAULT '{}',
        status text NOT NULL CHECK (status IN ('draft', 'published')),
        published_at timestamptz,
        author_type text NOT NULL,
        author_id text NOT NULL,
        search tsvector NOT NULL DEFAULT ''::tsvector,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      );
      CREATE FUNCTION knowledge_articles_search() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        NEW.search :=
          setweight(to_tsvector('english', NEW.title), 'A') ||
          setweight(to_tsvector('simple', array_to_string(NEW.tags || NEW.fault_codes, ' ')), 'B') ||
          setweight(to_tsvector('english', NEW.body), 'C');
        RETURN NEW;
      END
      $fn$;
      CREATE TRIGGER knowledge_articles_search_trg BEFORE INSERT OR UPDATE OF title, body, tags, fault_codes
        ON knowledge_articles FOR EACH ROW EXECUTE FUNCTION knowledge_articles_search();
      CREATE INDEX knowledge_articles_search_idx ON knowledge_articles USING gin (search);
      CREATE INDEX knowledge_articles_models_idx ON knowledge_articles USING gin (model_ids);
      CREATE INDEX knowledge_articles_faults_idx ON knowledge_articles USING gin (fault_codes);
      CREATE INDEX knowledge_articles_updated_idx ON knowledge_articles (updated_at, id);
    `,
};

import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * Indexes for the phone intake search: exact and prefix matches (what a caller usually gives:
 * a name's start, a whole number, a serial) are index range scans (`text_pattern_ops` serves
 * `LIKE 'x%'` whatever the database's collation). Substring matches, tried only when those find
 * too little, scan.
 */
export const searchMigration: Migration = {
  id: '0016_search_indexes',
  sql: `
    CREATE INDEX customers_name_prefix_idx ON customers (lower(name) text_pattern_ops);
    CREATE INDEX customers_code_prefix_idx ON customers (lower(code) text_pattern_ops);
    CREATE INDEX customers_email_prefix_idx ON customers (lower(email) text_pattern_ops);
    CREATE INDEX customers_phone_digits_idx ON customers (regexp_replace(phone, '[^0-9]', '', 'g') text_pattern_ops);
    CREATE INDEX contacts_name_prefix_idx ON contacts (lower(name) text_pattern_ops);
    CREATE INDEX sites_name_prefix_idx ON sites (lower(name) text_pattern_ops);
    CREATE INDEX sites_address_prefix_idx ON sites (lower(address) text_pattern_ops);
    CREATE INDEX sites_city_prefix_idx ON sites (lower(city) text_pattern_ops);
    CREATE INDEX assets_serial_prefix_idx ON assets (lower(serial_number) text_pattern_ops);
    CREATE INDEX assets_name_prefix_idx ON assets (lower(name) text_pattern_ops);
  `,
};

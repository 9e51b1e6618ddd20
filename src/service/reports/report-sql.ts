/** Small helpers shared by the report queries: numbered parameters and rounding expressions. */

/** Collects query parameters; `add` returns the placeholder ($n) of the value. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Seconds expression → hours, rounded to 2 decimals, as a JS number (null stays null). */
export const hoursOf = (seconds: string) => `round(((${seconds}) / 3600.0)::numeric, 2)::float8`;

/** 100 × num / den rounded to 2 decimals; null when den is 0. */
export const percentOf = (num: string, den: string) => `round((100.0 * (${num}) / NULLIF(${den}, 0))::numeric, 2)::float8`;

/** A money or quantity expression rounded to 2 (or `digits`) decimals as a JS number. */
export const rounded = (expr: string, digits = 2) => `round((${expr})::numeric, ${digits})::float8`;

/** Seconds between two timestamptz expressions. */
export const secondsBetween = (from: string, to: string) => `EXTRACT(EPOCH FROM (${to}) - (${from}))`;

/**
 * The SET clause of a PATCH on a versioned record: one `column = $n` per field present in the
 * patch (undefined = absent; null clears), then `version = version + 1, updated_at = now()`.
 * Placeholders start at $2 because $1 is the record id: run it as
 * `UPDATE t SET ${set} WHERE id = $1` with `[id, ...params]`.
 */
export interface PatchSetOptions {
  /** Columns whose values are stored as jsonb (serialised here). */
  readonly json?: ReadonlySet<string>;
  /** Extra assignments appended verbatim (e.g. `published_at = COALESCE(published_at, now())`). */
  readonly extra?: readonly string[];
}

export function patchSet(
  patch: Readonly<Record<string, unknown>>,
  columns: Readonly<Record<string, string>>,
  options: PatchSetOptions = {},
): { set: string; params: unknown[] } {
  const params: unknown[] = [];
  const sets: string[] = [];
  for (const [field, column] of Object.entries(columns)) {
    const value = patch[field];
    if (value === undefined) continue;
    params.push(options.json?.has(column) ? JSON.stringify(value) : value);
    sets.push(`${column} = $${params.length + 1}`);
  }
  sets.push(...(options.extra ?? []), 'version = version + 1', 'updated_at = now()');
  return { set: sets.join(', '), params };
}

/**
 * Builds a WHERE clause from optional filters: `add(value, (n) => \`col = $${n}\`)` appends the
 * condition with the value as parameter $n, and skips an undefined value.
 */
export interface SqlFilter {
  readonly params: unknown[];
  readonly where: string[];
  add(value: unknown, sql: (n: number) => string): void;
}

export function sqlFilter(): SqlFilter {
  const params: unknown[] = [];
  const where: string[] = [];
  return {
    params,
    where,
    add(value, sql) {
      if (value === undefined) return;
      params.push(value);
      where.push(sql(params.length));
    },
  };
}

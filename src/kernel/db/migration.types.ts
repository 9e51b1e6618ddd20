/** One schema migration. Features own theirs (`<feature>.migration.ts`); migrator.ts runs them in id order. */
export interface Migration {
  readonly id: string;
  readonly sql: string;
}

/** One schema migration. Feature modules own theirs (`<feature>.migration.ts`); migrations.ts orders them. */
export interface Migration {
  readonly id: string;
  readonly sql: string;
}

/** Messages between the main thread and the embedded database's thread (pglite.worker.ts). */
export type ThreadRequest =
  | { id: number; op: 'open'; dataDir: string | undefined }
  | { id: number; op: 'query'; sql: string; params: unknown[]; tx?: number | undefined }
  | { id: number; op: 'exec'; sql: string; tx?: number | undefined }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

export interface ThreadReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { message: string; name: string; fields: Record<string, string | number | boolean> };
}

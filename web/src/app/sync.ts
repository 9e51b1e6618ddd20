/**
 * The outbox: every action the technician takes is queued in IndexedDB first, then sent in order
 * whenever the network is there. Each carries the Idempotency-Key made when it was queued, so a
 * replay after a lost answer is not applied twice; visit actions carry If-Match with the version
 * the technician saw. Outcomes:
 * - 2xx: done; the cached visit takes the server's version.
 * - 412: the office changed the visit meanwhile: kept as a conflict with both versions until the
 *   technician discards it or re-applies it on the office's version.
 * - another 4xx (e.g. the visit was closed or cancelled): kept in the "not accepted" list.
 * - no network, 5xx, 401, 429, a retryable 409: the queue stops here and is tried again later.
 */
import type { Api, Problem } from '../shared/api';
import { getJob, putJob, addIssue, dequeue, enqueue, outbox, removeIssue, type Action, type Issue } from './store';
import type { Visit } from './jobs';

/** Statuses after which the same request may succeed later: the queue waits instead of dropping it. */
const RETRY_LATER = new Set([0, 401, 408, 425, 429]);

export interface SyncEvents {
  /** The outbox or the issue list changed. */
  changed(): void;
  /** A visit came back from the server with a new version. */
  visitUpdated(visit: Visit): void;
}

export function newKey(): string {
  return crypto.randomUUID();
}

export class Sync {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly api: Api,
    private readonly events: SyncEvents,
  ) {}

  /** Queues an action (offline or not) and tries to send it at once. */
  async queue(action: Omit<Action, 'key' | 'queuedAt'> & { key?: string }): Promise<void> {
    await enqueue({ ...action, key: action.key ?? newKey(), queuedAt: new Date().toISOString() });
    this.events.changed();
    void this.flush();
  }

  /** Sends what is queued, in order; one run at a time (a call during a run makes it go round again). */
  flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.drain();
        } while (this.again && navigator.onLine);
      } finally {
        this.running = null;
        this.events.changed();
      }
    })();
    return this.running;
  }

  private async drain(): Promise<void> {
    // Per visit: the version my previous action started from, and the version it produced.
    const chain = new Map<string, { base: number; now: number }>();
    for (;;) {
      if (!navigator.onLine || !this.api.session.token) return;
      const [action] = await outbox();
      if (!action) return;
      const link = chain.get(action.visitId);
      const ifMatch = action.baseVersion === undefined ? undefined : link && link.base === action.baseVersion ? link.now : action.baseVersion;
      const result = await this.send(action, ifMatch);
      if (result.retryLater) return;
      await dequeue(action.seq!);
      if (result.ok) {
        if (action.kind === 'en_route') await this.markEnRoute(action.visitId, result.data);
        const attachmentId = (result.data as { id?: unknown } | null)?.id;
        if (action.checklistItemId && typeof attachmentId === 'string') {
          await enqueue({
            key: newKey(),
            visitId: action.visitId,
            kind: 'checklist',
            method: 'PUT',
            path: `/api/v1/visits/${action.visitId}/checklist/${encodeURIComponent(action.checklistItemId)}`,
            body: { done: true, attachmentId },
            queuedAt: new Date().toISOString(),
          });
        }
        const visit = result.visit && result.visit.version === result.version ? result.visit : await this.fetchVisit(action.visitId);
        // Visit-ETag is the visit's version after the action (later hooks may have changed it again).
        const now = result.version ?? visit?.version;
        if (action.baseVersion !== undefined && now !== undefined) chain.set(action.visitId, { base: action.baseVersion, now });
        if (visit) await this.storeVisit(visit);
      } else {
        await addIssue(result.issue);
      }
      this.events.changed();
    }
  }

  private async send(
    action: Action,
    ifMatch: number | undefined,
  ): Promise<
    | { ok: true; visit: Visit | null; data: unknown; version: number | undefined; retryLater?: false }
    | { ok: false; retryLater: true }
    | { ok: false; retryLater?: false; issue: Issue }
  > {
    const headers: Record<string, string> = { ...this.api.authHeaders(), 'idempotency-key': action.key, accept: 'application/json' };
    if (ifMatch !== undefined) headers['if-match'] = `"${ifMatch}"`;
    let body: BodyInit | undefined;
    if (action.file) {
      const form = new FormData();
      for (const [name, value] of Object.entries(action.body ?? {})) form.append(name, String(value));
      form.append('file', action.file.blob, action.file.name);
      body = form;
    } else if (action.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(action.body);
    }
    let res: Response;
    try {
      res = await fetch(action.path, { method: action.method, headers, body });
    } catch {
      return { ok: false, retryLater: true };
    }
    const data = (await res.json().catch(() => null)) as (Record<string, unknown> & Partial<Problem>) | null;
    if (res.ok) {
      const etag = /^"(\d+)"$/.exec(res.headers.get('visit-etag') ?? '')?.[1];
      return { ok: true, visit: isVisit(data, action.visitId) ? data : null, data, version: etag === undefined ? undefined : Number(etag) };
    }
    const retryable = res.status >= 500 || RETRY_LATER.has(res.status) || (res.status === 409 && (res.headers.has('retry-after') || data?.retryable === true));
    if (retryable) {
      if (res.status === 401) this.api.session.clear();
      return { ok: false, retryLater: true };
    }
    const message = [data?.title, data?.detail].filter(Boolean).join(': ') || `HTTP ${res.status}`;
    if (res.status === 412) {
      const current = isVisit(data?.current, action.visitId) ? data.current : await this.fetchVisit(action.visitId);
      if (current) await this.storeVisit(current);
      return { ok: false, issue: { key: action.key, type: 'conflict', action, status: 412, message, current, at: new Date().toISOString() } };
    }
    return { ok: false, issue: { key: action.key, type: 'rejected', action, status: res.status, message, at: new Date().toISOString() } };
  }

  /** The technician keeps their change: queued again (same key) on the office's version. */
  async reapply(issue: Issue): Promise<void> {
    await removeIssue(issue.key);
    const { seq: _seq, ...action } = issue.action;
    await this.queue({ ...action, ...(issue.current ? { baseVersion: issue.current.version } : {}) });
  }

  async discard(issue: Issue): Promise<void> {
    await removeIssue(issue.key);
    this.events.changed();
  }

  private async fetchVisit(id: string): Promise<Visit | null> {
    try {
      return await this.api.ok(this.api.client.GET('/api/v1/visits/{id}', { params: { path: { id } } }));
    } catch {
      return null;
    }
  }

  /** The answer to en-route (the ETA) is not a visit: the job remembers when the technician set out. */
  private async markEnRoute(visitId: string, data: unknown): Promise<void> {
    const job = await getJob(visitId);
    const eta = data as { enRouteAt?: string | null; etaAt?: string | null; ticketStatus?: string } | null;
    if (job)
      await putJob({
        ...job,
        enRouteAt: eta?.enRouteAt ?? new Date().toISOString(),
        ticket: { ...job.ticket, status: eta?.ticketStatus ?? job.ticket.status },
      });
  }

  private async storeVisit(visit: Visit): Promise<void> {
    const job = await getJob(visit.id);
    if (job) await putJob({ ...job, visit });
    this.events.visitUpdated(visit);
  }
}

function isVisit(data: unknown, id: string): data is Visit {
  const v = data as Partial<Visit> | null | undefined;
  return !!v && typeof v === 'object' && v.id === id && typeof v.version === 'number' && Array.isArray(v.labour);
}

/**
 * The device's copy of the technician's work, in IndexedDB (idb): the jobs as last loaded, the
 * van's stock, the outbox of actions not yet sent (in order, each with the Idempotency-Key made
 * when it was queued) and the actions the server refused or that met a conflict, kept until the
 * technician has seen them. Everything here survives a reload, a closed tab and a lost network.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Job, Visit } from './jobs';

/** What an action does, for its label in the sync list. */
export type ActionKind = 'en_route' | 'arrived' | 'labour' | 'part' | 'photo' | 'checklist' | 'close' | 'feedback';

export interface Action {
  /** Order of the outbox (assigned by IndexedDB). */
  seq?: number;
  /** Idempotency-Key, made when the action was queued: a replay never applies it twice. */
  key: string;
  visitId: string;
  kind: ActionKind;
  method: 'POST' | 'PATCH' | 'PUT';
  path: string;
  /** JSON body; for a photo the file goes in `file` and this holds the form's other fields. */
  body?: Record<string, unknown>;
  file?: { blob: Blob; name: string };
  /** The visit's version the technician saw when acting (If-Match); none for actions that do not need it. */
  baseVersion?: number;
  /** A photo for this checklist item: once uploaded, the item is ticked with it. */
  checklistItemId?: string;
  /** Words for the label, e.g. { minutes: 35 }. */
  vars?: Record<string, string | number>;
  queuedAt: string;
}

/** An action that did not go through: refused by the server (4xx), or in conflict with the office's change (412). */
export interface Issue {
  key: string;
  type: 'conflict' | 'rejected';
  action: Action;
  status: number;
  message: string;
  /** 412: the visit as the office left it. */
  current?: Visit | null;
  at: string;
}

export interface StockLine {
  sku: string;
  name?: string | null;
  available: number;
}

interface AppDB extends DBSchema {
  meta: { key: string; value: unknown };
  jobs: { key: string; value: Job };
  outbox: { key: number; value: Action };
  issues: { key: string; value: Issue };
}

let dbPromise: Promise<IDBPDatabase<AppDB>> | null = null;

function db(): Promise<IDBPDatabase<AppDB>> {
  dbPromise ??= openDB<AppDB>('telemend-app', 1, {
    upgrade(database) {
      database.createObjectStore('meta');
      database.createObjectStore('jobs', { keyPath: 'id' });
      database.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
      database.createObjectStore('issues', { keyPath: 'key' });
    },
  });
  return dbPromise;
}

export async function getMeta<T>(key: string): Promise<T | undefined> {
  return (await (await db()).get('meta', key)) as T | undefined;
}

export async function setMeta(key: string, value: unknown): Promise<void> {
  await (await db()).put('meta', value, key);
}

export async function deleteMeta(key: string): Promise<void> {
  await (await db()).delete('meta', key);
}

/** Replaces the cached jobs with a fresh load (jobs no longer assigned disappear). */
export async function saveJobs(jobs: Job[]): Promise<void> {
  const tx = (await db()).transaction('jobs', 'readwrite');
  await tx.store.clear();
  for (const job of jobs) await tx.store.put(job);
  await tx.done;
}

export async function loadJobs(): Promise<Job[]> {
  const jobs = await (await db()).getAll('jobs');
  return jobs.sort((a, b) => a.visit.plannedStart.localeCompare(b.visit.plannedStart));
}

export async function getJob(id: string): Promise<Job | undefined> {
  return (await db()).get('jobs', id);
}

export async function putJob(job: Job): Promise<void> {
  await (await db()).put('jobs', job);
}

export async function enqueue(action: Action): Promise<void> {
  await (await db()).add('outbox', action);
}

export async function outbox(): Promise<Action[]> {
  return (await db()).getAll('outbox');
}

export async function dequeue(seq: number): Promise<void> {
  await (await db()).delete('outbox', seq);
}

export async function addIssue(issue: Issue): Promise<void> {
  await (await db()).put('issues', issue);
}

export async function issues(): Promise<Issue[]> {
  return (await (await db()).getAll('issues')).sort((a, b) => a.at.localeCompare(b.at));
}

export async function removeIssue(key: string): Promise<void> {
  await (await db()).delete('issues', key);
}

/** Sign-out: nothing of this technician's stays on the device. */
export async function clearAll(): Promise<void> {
  const database = await db();
  await Promise.all((['meta', 'jobs', 'outbox', 'issues'] as const).map((name) => database.clear(name)));
}

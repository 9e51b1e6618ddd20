/**
 * A feature module: the one place a feature declares its migrations, builds its services (once
 * per process, from typed dependencies), and hands the composition root its routes, its
 * background tasks and a typed public surface (`exports`) for the modules that depend on it.
 * The list of modules and the order they are built in live in src/app/modules.ts.
 */
import type { Migration } from './db/migration.types.js';
import type { ZodApp } from './http/http.types.js';
import type { BackgroundTask } from './jobs/background-task.js';

export interface BuiltModule<E = Record<string, never>> {
  /** Registered under /api/v1 by the api role; bound to the services the module built. */
  readonly routes?: (app: ZodApp) => Promise<void> | void;
  /** Started by the worker role (in order; stopped in reverse). */
  readonly tasks?: readonly BackgroundTask[];
  /** What other modules may use (services, ports). */
  readonly exports: E;
  /** Releases what the module opened lazily (connections, queues); called once when the process stops. */
  readonly close?: () => Promise<void>;
}

export interface FeatureModule<D, E = Record<string, never>> {
  readonly name: string;
  /** This feature's schema migrations (ids are global: `NNNN_name`, run in id order). */
  readonly migrations?: readonly Migration[];
  build(deps: D): BuiltModule<E>;
}

/** Declares a module with its dependency and export types inferred. */
export function defineModule<D, E = Record<string, never>>(module: FeatureModule<D, E>): FeatureModule<D, E> {
  return module;
}

/**
 * The typed API client of the web interfaces: openapi-fetch over the types generated from the
 * server's OpenAPI document (api.gen.ts, `npm run web:openapi`), so a path, a parameter or a
 * response field that the server does not have is a compile error here.
 *
 * The bearer token lives in sessionStorage (one tab, gone when it closes), one key per interface;
 * every call sends it; problem+json answers become ApiError with the problem attached. A 401 on
 * a signed-in session signs the user out (token expired or revoked).
 */
import createClient from 'openapi-fetch';
import type { paths } from './api.gen';

export type { paths };

/** The JSON body of a path's successful answer (200 or 201). */
export type Ok<P extends keyof paths, M extends 'get' | 'post' | 'put' | 'patch' | 'delete'> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: { content: { 'application/json': infer T } } }
    ? T
    : R extends { 201: { content: { 'application/json': infer T } } }
      ? T
      : never
  : never;

/** RFC 9457 problem details, as the API answers errors. */
export interface Problem {
  type?: string;
  title: string;
  status?: number;
  detail?: string;
  code?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem?: Partial<Problem> | null) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = { title: `HTTP ${status}`, status, ...(problem ?? {}) };
  }

  /** True when the route itself does not exist (an optional module is not installed). */
  get noRoute(): boolean {
    return this.status === 404 && /^No route /.test(this.problem.detail ?? '');
  }
}

export type Role = Ok<'/api/v1/auth/login', 'post'>['user']['role'];
export type SessionUser = Ok<'/api/v1/auth/login', 'post'>['user'];

/** The signed-in user of one interface (`telemend.<ui>.token` / `.user` in sessionStorage). */
export class Session {
  constructor(private readonly ui: string) {}

  get token(): string | null {
    return sessionStorage.getItem(`telemend.${this.ui}.token`);
  }

  get user(): SessionUser | null {
    try {
      return JSON.parse(sessionStorage.getItem(`telemend.${this.ui}.user`) ?? 'null') as SessionUser | null;
    } catch {
      return null;
    }
  }

  save(token: string, user: SessionUser): void {
    sessionStorage.setItem(`telemend.${this.ui}.token`, token);
    sessionStorage.setItem(`telemend.${this.ui}.user`, JSON.stringify(user));
  }

  clear(): void {
    sessionStorage.removeItem(`telemend.${this.ui}.token`);
    sessionStorage.removeItem(`telemend.${this.ui}.user`);
  }
}

type Result<T> = { data: T; error?: never; response: Response } | { data?: never; error: unknown; response: Response };

/** One interface's API access: the typed client with its session's token, and the 401 sign-out. */
export function createApi(ui: string) {
  const session = new Session(ui);
  const signedOut = new Set<(error: ApiError) => void>();
  const client = createClient<paths>({ baseUrl: '' });
  client.use({
    onRequest({ request }) {
      const token = session.token;
      if (token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  });

  /** Awaits a typed call: its data, or an ApiError (network failures included). */
  async function ok<T>(pending: Promise<Result<T>>): Promise<Exclude<T, undefined>> {
    let result: Result<T>;
    try {
      result = await pending;
    } catch (error) {
      if ((error as Error | undefined)?.name === 'AbortError') throw error;
      throw new ApiError(0, { title: 'Network error', detail: 'The server cannot be reached' });
    }
    if (result.error === undefined && result.response.ok) return result.data as Exclude<T, undefined>;
    const error = new ApiError(result.response.status, result.error as Partial<Problem> | undefined);
    if (result.response.status === 401 && session.token && !new URL(result.response.url, location.href).pathname.endsWith('/auth/login')) {
      session.clear();
      for (const fn of signedOut) fn(error);
    }
    throw error;
  }

  /** Like ok(), but `fallback` when the route does not exist (optional modules). */
  async function optional<T, F>(pending: Promise<Result<T>>, fallback: F): Promise<Exclude<T, undefined> | F> {
    try {
      return await ok(pending);
    } catch (error) {
      if (error instanceof ApiError && error.noRoute) return fallback;
      throw error;
    }
  }

  return {
    client,
    session,
    ok,
    optional,
    onSignedOut: (fn: (error: ApiError) => void) => signedOut.add(fn),
    authHeaders: (): Record<string, string> => (session.token ? { authorization: `Bearer ${session.token}` } : {}),
    async login(email: string, password: string): Promise<SessionUser> {
      const data = await ok(client.POST('/api/v1/auth/login', { body: { email, password } }));
      session.save(data.token, data.user);
      return data.user;
    },
    /** Signs out on the server too (POST /auth/logout revokes the user's tokens), then forgets the session here. */
    async logout(): Promise<void> {
      try {
        if (session.token) await ok(client.POST('/api/v1/auth/logout'));
      } catch {
        // Already revoked, expired or offline: forgetting the token locally is all that is left.
      }
      session.clear();
    },
  };
}

export type Api = ReturnType<typeof createApi>;

/** Today's date (local) as YYYY-MM-DD. */
export const today = (): string => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

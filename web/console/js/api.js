/* global fetch, sessionStorage */
/**
 * The console's API client: the bearer token lives in sessionStorage (one tab, gone when it
 * closes); every call sends it; problem+json answers become ApiError with the problem attached.
 * A 401 signs the user out (token expired or revoked).
 */

const TOKEN_KEY = 'telemend.console.token';
const USER_KEY = 'telemend.console.user';
export const API = '/api/v1';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem ?? { title: `HTTP ${status}`, status };
  }

  /** True when the route itself does not exist (an optional module is not installed). */
  get noRoute() {
    return this.status === 404 && /^No route /.test(this.problem?.detail ?? '');
  }
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  get user() {
    try {
      return JSON.parse(sessionStorage.getItem(USER_KEY) ?? 'null');
    } catch {
      return null;
    }
  },
  save(token, user) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(USER_KEY, JSON.stringify(user));
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
  },
};

/** Listeners told when the session ends on a 401. */
const signedOut = new Set();
export const onSignedOut = (fn) => signedOut.add(fn);

export function authHeaders() {
  const token = session.token;
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** JSON request against /api/v1; throws ApiError for non-2xx answers. */
export async function api(method, path, body, { signal } = {}) {
  let res;
  try {
    res = await fetch(`${API}${path}`, {
      method,
      signal,
      headers: { accept: 'application/json', ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, { title: 'Network error', detail: 'The server cannot be reached' });
  }
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const error = new ApiError(res.status, data);
    if (res.status === 401 && session.token && !path.startsWith('/auth/login')) {
      session.clear();
      for (const fn of signedOut) fn(error);
    }
    throw error;
  }
  return data;
}

export async function login(email, password) {
  const data = await api('POST', '/auth/login', { email, password });
  session.save(data.token, data.user);
  return data.user;
}

/** Signs out on the server too (POST /auth/logout revokes the user's tokens), then forgets the session here. */
export async function logout() {
  try {
    if (session.token) await api('POST', '/auth/logout');
  } catch {
    // Already revoked, expired or offline: forgetting the token locally is all that is left.
  }
  session.clear();
}

/** GET that answers `fallback` when the route does not exist (optional modules). */
export async function optional(path, fallback = null) {
  try {
    return await api('GET', path);
  } catch (error) {
    if (error instanceof ApiError && error.noRoute) return fallback;
    throw error;
  }
}

/** A tiny per-session cache for slow-changing reads (models, sites, customers). */
const cache = new Map();
export function cached(path) {
  if (!cache.has(path)) {
    const pending = api('GET', path).catch((error) => {
      cache.delete(path);
      throw error;
    });
    cache.set(path, pending);
  }
  return cache.get(path);
}

export const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

/** Helpers for the auth tests: users of each role, their tokens, hand-made JWTs. */
import { createHmac, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { TestApi } from '../api/api-fixture.js';
import type { Role } from '../../src/kernel/http/http.types.js';

export const PASSWORD = 'correct horse battery';

export interface TestUser {
  id: string;
  email: string;
  role: Role;
  token: string;
  /** Headers that authenticate as this user. */
  auth: { authorization: string };
}

/** Creates a user (as admin) and signs it in. */
export async function userWithRole(api: TestApi, role: Role, customerId?: string): Promise<TestUser> {
  const email = `${role}-${randomUUID().slice(0, 8)}@example.test`;
  const created = await api.call('POST', '/api/v1/users', { email, name: `A ${role}`, role, password: PASSWORD, ...(customerId ? { customerId } : {}) });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const login = await api.call('POST', '/api/v1/auth/login', { email, password: PASSWORD }, { authorization: undefined });
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  return { id: created.body.id, email, role, token: login.body.token, auth: { authorization: `Bearer ${login.body.token}` } };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT made by hand: `secret` undefined gives an unsigned token (empty signature). */
export function craftJwt(header: Record<string, unknown>, payload: Record<string, unknown>, secret?: string): string {
  const unsigned = `${b64(header)}.${b64(payload)}`;
  const signature = secret === undefined ? '' : createHmac('sha256', secret).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

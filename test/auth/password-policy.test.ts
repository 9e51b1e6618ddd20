/** The password policy: common passwords and ones containing the e-mail are refused with WEAK_PASSWORD. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApi, type TestApi } from '../api/api-fixture.js';
import { weakPasswordReason } from '../../src/access/auth/password-policy.js';

let api: TestApi;

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const create = (email: string, password: string) => api.call('POST', '/api/v1/users', { email, name: 'Someone', role: 'dispatcher', password });

describe('password policy', () => {
  test('a common password is 400 WEAK_PASSWORD with reason common, whatever its case', async () => {
    for (const password of ['password123', 'qwertyuiop', 'Basketball', '1q2w3e4r5t']) {
      const reply = await create(`common-${password.toLowerCase()}@example.test`, password);
      expect(reply.status, password).toBe(400);
      expect(reply.headers['content-type']).toContain('application/problem+json');
      expect(reply.body).toMatchObject({ code: 'WEAK_PASSWORD', reason: 'common', field: 'body.password' });
    }
    const { rows } = await api.db.query("SELECT 1 FROM users WHERE email LIKE 'common-%'");
    expect(rows).toHaveLength(0);
  });

  test('a password containing the e-mail or its local part is refused', async () => {
    for (const password of ['maria.schmidt@example.test!', 'xx-Maria.Schmidt-2026', 'MARIA.SCHMIDT']) {
      const reply = await create('maria.schmidt@example.test', password);
      expect(reply.status, password).toBe(400);
      expect(reply.body).toMatchObject({ code: 'WEAK_PASSWORD', reason: 'contains_email' });
    }
  });

  test('a PATCH checks the new password against the stored e-mail, and against a new one', async () => {
    const created = await create('jonas.weber@example.test', 'a perfectly fine passphrase');
    expect(created.status).toBe(201);
    const mine = await api.call('PATCH', `/api/v1/users/${created.body.id}`, { password: 'jonas.weber rules 1' });
    expect(mine.body).toMatchObject({ code: 'WEAK_PASSWORD', reason: 'contains_email' });
    const common = await api.call('PATCH', `/api/v1/users/${created.body.id}`, { password: 'iloveyou123' });
    expect(common.body).toMatchObject({ code: 'WEAK_PASSWORD', reason: 'common' });
    const both = await api.call('PATCH', `/api/v1/users/${created.body.id}`, { email: 'j.w.new@example.test', password: 'hello j.w.new friend' });
    expect(both.body).toMatchObject({ code: 'WEAK_PASSWORD', reason: 'contains_email' });
    const fine = await api.call('PATCH', `/api/v1/users/${created.body.id}`, { password: 'another fine passphrase' });
    expect(fine.status).toBe(200);
  });

  test('ordinary long passwords pass; a short local part does not block unrelated passwords', () => {
    expect(weakPasswordReason('correct horse battery', 'someone@example.test')).toBeUndefined();
    expect(weakPasswordReason('bob was here in 2026', 'bob@example.test')).toBeUndefined();
    expect(weakPasswordReason('x bob@example.test x', 'bob@example.test')).toBe('contains_email');
  });
});

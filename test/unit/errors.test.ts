import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { ERROR_CODES } from '../../src/kernel/errors.js';
import { statusOf } from '../../src/kernel/http/problem.js';

test('every error code is documented in README with its status', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const code of ERROR_CODES) {
    expect(readme).toContain(`| ${code} | ${statusOf(code)} |`);
  }
});

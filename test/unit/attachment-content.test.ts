/** Pure parts of the attachments feature: names, headers, the store configuration. */
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/kernel/config.js';
import { contentDisposition, safeFileName } from '../../src/service/attachments/attachment-content.js';

const env = { TELEMEND_ADMIN_TOKEN: 'attachment-unit-admin-token-0123' };

describe('attachment names', () => {
  test('keep a readable base name with the detected extension, never a path or control characters', () => {
    expect(safeFileName('C:\\Users\\me\\Desktop\\Prüfbericht 3.PDF', 'application/pdf')).toBe('Prüfbericht 3.pdf');
    expect(safeFileName('../../../etc/passwd', 'image/png')).toBe('passwd.png');
    expect(safeFileName('evil.exe', 'image/jpeg')).toBe('evil.jpg');
    expect(safeFileName('a\r\nb;c".jpg', 'image/jpeg')).toBe('a_b_c_.jpg');
    expect(safeFileName('...', 'image/webp')).toBe('attachment.webp');
    expect(safeFileName(undefined, 'application/pdf')).toBe('attachment.pdf');
    expect(safeFileName(`${'x'.repeat(500)}.jpg`, 'image/jpeg')).toHaveLength(124);
  });

  test('Content-Disposition carries an ASCII fallback and the UTF-8 name', () => {
    expect(contentDisposition('attachment', 'Prüfbericht 3.pdf')).toBe(`attachment; filename="Pr_fbericht 3.pdf"; filename*=UTF-8''Pr%C3%BCfbericht%203.pdf`);
  });
});

describe('attachment store configuration', () => {
  test('defaults to the disk with 15 MiB and 2560 px', () => {
    const config = loadConfig({}, env);
    expect([config.ATTACHMENTS_STORE, config.ATTACHMENTS_MAX_BYTES, config.ATTACHMENTS_MAX_IMAGE_EDGE]).toEqual(['disk', 15 * 1024 * 1024, 2560]);
  });

  test('s3 needs a bucket, and access key and secret come together', () => {
    expect(() => loadConfig({}, { ...env, ATTACHMENTS_STORE: 's3' })).toThrow(/ATTACHMENTS_S3_BUCKET/);
    expect(() => loadConfig({}, { ...env, ATTACHMENTS_STORE: 's3', ATTACHMENTS_S3_BUCKET: 'b', ATTACHMENTS_S3_ACCESS_KEY: 'k' })).toThrow(/SECRET_KEY/);
    expect(loadConfig({}, { ...env, ATTACHMENTS_STORE: 's3', ATTACHMENTS_S3_BUCKET: 'b' }).ATTACHMENTS_S3_REGION).toBe('us-east-1');
  });
});

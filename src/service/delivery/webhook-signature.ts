/**
 * Webhook signatures: `X-Telemend-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with the
 * subscription's secret. Receivers recompute it over the exact bytes received and compare in
 * constant time (`verifySignature`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-telemend-signature';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export function verifySignature(secret: string, body: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Egress for tests: the receivers tests run (webhooks, push gateways) listen on loopback, which
 * the SSRF guard refuses unless the operator allow-list names it. Tests name it, as an operator
 * would with EGRESS_ALLOW.
 */
import { Egress } from '../../src/kernel/egress/egress.js';
import { EgressPolicy } from '../../src/kernel/egress/egress-policy.js';

/** EGRESS_ALLOW of test configurations: this machine's loopback addresses, any port. */
export const TEST_EGRESS_ALLOW = '127.0.0.0/8,::1';

/** An Egress that reaches local test receivers (close it with the test's other resources). */
export function testEgress(): Egress {
  return new Egress(EgressPolicy.fromAllowList(TEST_EGRESS_ALLOW));
}

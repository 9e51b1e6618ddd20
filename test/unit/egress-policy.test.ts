/** The egress policy as pure logic: address classes, EGRESS_ALLOW parsing and matching, URL checks. */
import { describe, expect, it } from 'vitest';
import { addressClass, EgressPolicy, parseAllowList } from '../../src/kernel/egress/egress-policy.js';
import { ConfigError, loadConfig } from '../../src/kernel/config.js';

describe('egress policy', () => {
  it('classifies addresses, judging mapped and NAT64 IPv6 by their IPv4 address', () => {
    expect(addressClass('8.8.8.8')).toBe('unicast');
    expect(addressClass('2606:4700::1111')).toBe('unicast');
    expect(addressClass('::ffff:8.8.8.8')).toBe('unicast');
    expect(addressClass('64:ff9b::808:808')).toBe('unicast');
    expect(addressClass('::ffff:127.0.0.1')).toBe('loopback');
    expect(addressClass('64:ff9b::7f00:1')).toBe('loopback');
    expect(addressClass('169.254.169.254')).toBe('linkLocal');
    expect(addressClass('fe80::1%eth0')).toBe('linkLocal');
    expect(addressClass('172.31.255.255')).toBe('private');
    expect(addressClass('fc00::1')).toBe('uniqueLocal');
    expect(addressClass('100.127.0.1')).toBe('carrierGradeNat');
    expect(addressClass('ff02::1')).toBe('multicast');
    expect(addressClass('255.255.255.255')).toBe('broadcast');
    expect(addressClass('::')).toBe('unspecified');
  });

  it('permits public addresses; others only when EGRESS_ALLOW names the range, address, host or port', () => {
    const none = new EgressPolicy();
    expect(none.permits('8.8.8.8', 443)).toEqual({ allowed: true });
    expect(none.permits('10.0.0.1', 443)).toEqual({ allowed: false, reason: 'a private address, not named by EGRESS_ALLOW' });
    const policy = EgressPolicy.fromAllowList(' 10.0.0.0/8 , 192.168.1.5:8443, [fd00::/8]:443, erp.internal, Hooks.Corp.example:9000, ::1');
    expect(policy.permits('10.200.3.4', 80).allowed).toBe(true);
    expect(policy.permits('::ffff:10.1.1.1', 80).allowed).toBe(true);
    expect(policy.permits('192.168.1.5', 8443).allowed).toBe(true);
    expect(policy.permits('192.168.1.5', 443).allowed).toBe(false);
    expect(policy.permits('fd00::5', 443).allowed).toBe(true);
    expect(policy.permits('fd00::5', 80).allowed).toBe(false);
    expect(policy.permits('::1', 1234).allowed).toBe(true);
    expect(policy.permits('127.0.0.1', 1234).allowed).toBe(false);
    expect(policy.permits('172.20.0.9', 80, 'erp.internal').allowed).toBe(true);
    expect(policy.permits('172.20.0.9', 80, 'other.internal').allowed).toBe(false);
    expect(policy.permits('172.20.0.9', 9000, 'hooks.corp.example.').allowed).toBe(true);
    expect(policy.permits('172.20.0.9', 9001, 'hooks.corp.example').allowed).toBe(false);
  });

  it('checks a URL alone at registration: literal addresses and localhost, not other names', () => {
    const policy = new EgressPolicy();
    expect(policy.checkUrl('https://hooks.example.com/x')).toEqual({ allowed: true });
    expect(policy.checkUrl('http://2130706433/').allowed).toBe(false);
    expect(policy.checkUrl('http://0x7f.0.0.1/').allowed).toBe(false);
    expect(policy.checkUrl('http://[0:0:0:0:0:ffff:a9fe:a9fe]/').allowed).toBe(false);
    expect(policy.checkUrl('http://api.localhost/').allowed).toBe(false);
    expect(policy.checkUrl('ftp://8.8.8.8/').allowed).toBe(false);
    expect(EgressPolicy.fromAllowList('127.0.0.1').checkUrl('http://localhost:8080/').allowed).toBe(true);
  });

  it('an invalid EGRESS_ALLOW stops the start naming every bad entry', () => {
    expect(() => parseAllowList('10.0.0.0/33, 1.2.3.4:0, not a host, 2130706433')).toThrow(
      'invalid entries: "10.0.0.0/33": not a valid CIDR range; "1.2.3.4:0": the port must be 1-65535; "not a host": not an IP address, CIDR range or host name; "2130706433": not an IP address, CIDR range or host name',
    );
    const base = { TELEMEND_ADMIN_TOKEN: 'x'.repeat(24) };
    expect(() => loadConfig({ ...base, EGRESS_ALLOW: '10.0.0.0/8, 300.1.1.1' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, EGRESS_ALLOW: '10.0.0.0/8, 300.1.1.1' })).toThrow(/EGRESS_ALLOW .*"300\.1\.1\.1"/);
    expect(loadConfig({ ...base, EGRESS_ALLOW: '10.0.0.0/8' }).EGRESS_ALLOW).toBe('10.0.0.0/8');
  });
});

/**
 * Which network destinations the platform may send to on behalf of its users (webhooks,
 * contact notifications, technician push URLs, scheduled-report webhooks): public unicast
 * addresses only, unless the operator's allow-list (EGRESS_ALLOW) names the destination.
 *
 * Refused by default: loopback, link-local (169.254.0.0/16 — the cloud metadata service —,
 * fe80::/10), private (RFC 1918, fc00::/7), carrier-grade NAT, multicast, broadcast,
 * unspecified (0.0.0.0 reaches the host itself on Linux) and the other special-purpose ranges
 * ipaddr.js knows (documentation, benchmarking, 6to4, Teredo...). An IPv4-mapped IPv6 address
 * (::ffff:127.0.0.1) and a NAT64 address (64:ff9b::/96) are judged by the IPv4 address inside.
 * Numeric spellings of an IPv4 host (`2130706433`, `127.1`, `0x7f.1`) never reach this module
 * as such: the WHATWG URL parser rewrites them to dotted decimal before anything connects.
 *
 * Address classification is ipaddr.js's (its special-purpose range tables follow the IANA
 * registries); this file only decides what each class means for egress.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { invalidField } from '../errors.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** One EGRESS_ALLOW entry: an address range or a host name, optionally limited to one port. */
export type AllowEntry =
  | { readonly kind: 'range'; readonly range: [Address, number]; readonly port?: number; readonly text: string }
  | { readonly kind: 'host'; readonly host: string; readonly port?: number; readonly text: string };

export type EgressVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const ALLOWED: EgressVerdict = Object.freeze({ allowed: true });

/** Human names of ipaddr.js's range classes, for refusal messages. */
const CLASS_NAMES: Readonly<Record<string, string>> = {
  loopback: 'a loopback address',
  linkLocal: 'a link-local address',
  private: 'a private address',
  uniqueLocal: 'a private (unique local) address',
  carrierGradeNat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  unspecified: 'the unspecified address',
};

/**
 * The class of an address: 'unicast' for a public address, else ipaddr.js's range name
 * ('loopback', 'private', 'linkLocal', ...). Throws on a string that is not an IP address.
 */
export function addressClass(address: string): string {
  return classOf(parseAddress(address));
}

function classOf(address: Address): string {
  if (address.kind() === 'ipv6') {
    const v6 = address as ipaddr.IPv6;
    const range = v6.range();
    if (range === 'ipv4Mapped') return classOf(v6.toIPv4Address());
    // Well-known NAT64 prefix: the host behind it is the embedded IPv4 address (DNS64 networks
    // give public IPv4 destinations such addresses).
    if (range === 'rfc6052' && v6.parts.slice(0, 6).join() === [0x64, 0xff9b, 0, 0, 0, 0].join()) {
      const [a, b] = [v6.parts[6]!, v6.parts[7]!];
      return classOf(new ipaddr.IPv4([a >> 8, a & 0xff, b >> 8, b & 0xff]));
    }
    return range;
  }
  return (address as ipaddr.IPv4).range();
}

/** An IPv4-mapped IPv6 address becomes its IPv4 address, so that allow-list ranges match either spelling. */
function parseAddress(address: string): Address {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  return ipaddr.process(bare.replace(/%.*$/, ''));
}

export class EgressAllowListError extends Error {
  constructor(readonly entries: readonly string[]) {
    super(`invalid entries: ${entries.join('; ')}`);
    this.name = 'EgressAllowListError';
  }
}

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * Parses EGRESS_ALLOW: comma-separated entries, each an IP address, a CIDR range or a host name,
 * optionally followed by `:port` (IPv6 in brackets then: `[fd00::/8]:443`, `[::1]:8080`).
 * Throws EgressAllowListError naming every invalid entry.
 */
export function parseAllowList(raw: string): AllowEntry[] {
  const entries: AllowEntry[] = [];
  const invalid: string[] = [];
  for (const text of raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const entry = parseEntry(text);
    if (typeof entry === 'string') invalid.push(`"${text}": ${entry}`);
    else entries.push(entry);
  }
  if (invalid.length > 0) throw new EgressAllowListError(invalid);
  return entries;
}

function parseEntry(text: string): AllowEntry | string {
  let target = text;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    target = bracketed[1]!;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if ((text.match(/:/g) ?? []).length === 1) {
    // One colon: host:port or IPv4[/bits]:port. (More colons without brackets: an IPv6 address.)
    const at = text.lastIndexOf(':');
    target = text.slice(0, at);
    port = /^\d+$/.test(text.slice(at + 1)) ? Number(text.slice(at + 1)) : NaN;
  }
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) return 'the port must be 1-65535';
  const withPort = port === undefined ? {} : { port };
  if (target.includes('/')) {
    if (!ipaddr.isValidCIDR(target)) return 'not a valid CIDR range';
    const [address, bits] = ipaddr.parseCIDR(target);
    const mapped = address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96;
    return { kind: 'range', range: mapped ? [(address as ipaddr.IPv6).toIPv4Address(), bits - 96] : [address, bits], ...withPort, text };
  }
  if (ipaddr.isValid(target) && isIP(target)) {
    const address = parseAddress(target);
    return { kind: 'range', range: [address, address.kind() === 'ipv4' ? 32 : 128], ...withPort, text };
  }
  const host = target.toLowerCase().replace(/\.$/, '');
  if (!HOST_NAME.test(host) || /^[\d.]+$/.test(host)) return 'not an IP address, CIDR range or host name';
  return { kind: 'host', host, ...withPort, text };
}

/** Host names that name this machine whatever DNS says (RFC 6761). */
const LOCAL_NAMES = /(^|\.)localhost$/;

export class EgressPolicy {
  constructor(readonly allow: readonly AllowEntry[] = []) {}

  /** A policy from EGRESS_ALLOW's text. */
  static fromAllowList(raw: string): EgressPolicy {
    return new EgressPolicy(parseAllowList(raw));
  }

  /**
   * May the platform connect to `address` on `port`? `hostname` is the name the address was
   * resolved from, if any (an allow-list host entry trusts whatever that name resolves to).
   */
  permits(address: string, port: number, hostname?: string): EgressVerdict {
    if (hostname !== undefined && this.allowsHost(hostname, port)) return ALLOWED;
    let parsed: Address;
    try {
      parsed = parseAddress(address);
    } catch {
      return { allowed: false, reason: `${address} is not an IP address` };
    }
    const kind = classOf(parsed);
    if (kind === 'unicast') return ALLOWED;
    const listed = this.allow.some(
      (e) => e.kind === 'range' && (e.port === undefined || e.port === port) && e.range[0].kind() === parsed.kind() && parsed.match(e.range),
    );
    if (listed) return ALLOWED;
    return { allowed: false, reason: `${CLASS_NAMES[kind] ?? `a special-purpose address (${kind})`}, not named by EGRESS_ALLOW` };
  }

  /** Does an allow-list host entry name this host (and port)? */
  allowsHost(hostname: string, port: number): boolean {
    const host = hostname.toLowerCase().replace(/\.$/, '');
    return this.allow.some((e) => e.kind === 'host' && e.host === host && (e.port === undefined || e.port === port));
  }

  /**
   * What can be judged from a URL alone (at registration): http(s) only, and a literal address
   * or a `localhost` name must be allowed. Names are resolved, and judged again, at send time.
   */
  checkUrl(url: string): EgressVerdict {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { allowed: false, reason: 'not a valid URL' };
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { allowed: false, reason: 'only http and https URLs are allowed' };
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
    const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
    if (isIP(host)) return this.permits(host, port);
    // `localhost` is this machine whatever DNS says: judged as 127.0.0.1 (or the name's own entry).
    if (LOCAL_NAMES.test(host.replace(/\.$/, ''))) return this.permits('127.0.0.1', port, host);
    return ALLOWED;
  }
}

const policies = new WeakMap<object, EgressPolicy>();

/** The policy of a configuration (parsed once per config object). */
export function egressPolicyOf(config: { readonly EGRESS_ALLOW: string }): EgressPolicy {
  let policy = policies.get(config);
  if (!policy) {
    policy = EgressPolicy.fromAllowList(config.EGRESS_ALLOW);
    policies.set(config, policy);
  }
  return policy;
}

/**
 * Registration-time check of a URL the platform will later send to: VALIDATION_FAILED on `field`
 * when the URL alone shows a refused destination. The send-time check stays the one that counts.
 */
export function assertSendableUrl(policy: EgressPolicy, url: string | null | undefined, field: string): void {
  if (!url) return;
  const verdict = policy.checkUrl(url);
  if (!verdict.allowed) throw invalidField(field, `destination refused by the egress policy: ${verdict.reason}`);
}

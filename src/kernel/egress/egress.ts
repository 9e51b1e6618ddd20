/**
 * The one way the platform sends HTTP requests to destinations its users supply (ticket webhooks,
 * contact notification webhooks, technician push URLs, scheduled-report webhooks).
 *
 * The check happens where the connection is made, on the address actually connected to: an
 * undici Agent whose connector resolves the host name itself, keeps only the addresses the
 * EgressPolicy permits, and connects to one of those by IP (TLS still verifies the certificate
 * against the name). So a name that resolved to a public address when the URL was registered,
 * and resolves to 127.0.0.1 at send time (DNS rebinding), is refused; so is a redirect to an
 * internal address, since every connection goes through the same connector (the callers do not
 * follow redirects anyway: a 3xx is a failed delivery).
 *
 * Requests to the operator's own infrastructure (INFLUX_URL, SMTP_URL) are not user-supplied
 * and do not go through here; eslint forbids `fetch` elsewhere in src/ (eslint.config.js).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import type { EgressPolicy } from './egress-policy.js';

/** Resolves a host name to its addresses (node:dns `lookup` with `all: true`; tests may pass their own). */
export type Resolver = (hostname: string) => Promise<ReadonlyArray<{ address: string }>>;

export class EgressRefusedError extends Error {
  readonly code = 'EGRESS_REFUSED';
  constructor(
    /** host:port as the URL names it (no resolved address: that would tell internal DNS to the caller). */
    readonly destination: string,
    readonly reason: string,
    /** The resolved addresses that were refused (for the server log only). */
    readonly addresses: readonly string[] = [],
  ) {
    super(`egress refused: ${destination}: ${reason}`);
    this.name = 'EgressRefusedError';
  }
}

export interface EgressOptions {
  /** Host name resolution. Default: the system resolver (node:dns lookup, every address). */
  readonly resolve?: Resolver;
  /** Time allowed to open the TCP (and TLS) connection, ms. Default 10000. */
  readonly connectTimeoutMs?: number;
}

export interface EgressPost {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Text (JSON) or bytes (an encrypted Web Push message). */
  readonly body: string | Uint8Array;
  /** Time allowed for the whole exchange, ms. */
  readonly timeoutMs: number;
}

/** What a POST through the egress port may do; the senders depend on this, not on undici. */
export interface EgressPort {
  /** POSTs and returns the status (the response body is discarded). Redirects are not followed. */
  post(request: EgressPost): Promise<{ status: number }>;
  close(): Promise<void>;
}

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, order: 'verbatim' });

export class Egress implements EgressPort {
  private readonly agent: Agent;
  private readonly resolve: Resolver;
  private closing?: Promise<void>;

  constructor(
    readonly policy: EgressPolicy,
    options: EgressOptions = {},
  ) {
    this.resolve = options.resolve ?? systemResolver;
    const connect = buildConnector({ timeout: options.connectTimeoutMs ?? 10_000 });
    this.agent = new Agent({
      connect: (opts, callback) => {
        const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
        this.destinationAddress(opts.hostname, port).then(
          (address) => connect({ ...opts, hostname: address, ...(isIP(opts.hostname) ? {} : { servername: opts.servername ?? opts.hostname }) }, callback),
          (error: Error) => callback(error, null),
        );
      },
    });
  }

  async post(input: EgressPost): Promise<{ status: number }> {
    const url = new URL(input.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EgressRefusedError(url.host, 'not an http(s) URL');
    try {
      const response = await request(url, {
        method: 'POST',
        headers: input.headers,
        body: input.body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(input.timeoutMs),
      });
      await response.body.dump();
      return { status: response.statusCode };
    } catch (error) {
      // undici may wrap the connector's error; the refusal is what the caller must see.
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof EgressRefusedError) throw cause;
      throw error;
    }
  }

  /** Closes the connections; idempotent (owners may stop twice). */
  async close(): Promise<void> {
    this.closing ??= this.agent.close();
    await this.closing;
  }

  /** The address to connect to: the host itself when it is an IP, else the first permitted address it resolves to. */
  private async destinationAddress(hostname: string, port: number): Promise<string> {
    const destination = `${isIP(hostname) === 6 ? `[${hostname}]` : hostname}:${port}`;
    if (isIP(hostname)) {
      const verdict = this.policy.permits(hostname, port);
      if (!verdict.allowed) throw new EgressRefusedError(destination, verdict.reason, [hostname]);
      return hostname;
    }
    const addresses = (await this.resolve(hostname)).map((a) => a.address);
    let refusal = 'not resolvable';
    for (const address of addresses) {
      const verdict = this.policy.permits(address, port, hostname);
      if (verdict.allowed) return address;
      refusal = `resolves only to refused addresses (${verdict.reason})`;
    }
    throw new EgressRefusedError(destination, refusal, addresses);
  }
}

/**
 * Brute-force protection of POST /auth/login, shared by every API process through Redis
 * (rate-limiter-flexible's RateLimiterRedis: one atomic INCR+PEXPIRE script per counter):
 * - per client IP and e-mail: a few guesses at one account from one address;
 * - per client IP, whatever the e-mail: stops one address spraying passwords across accounts;
 * - per account (e-mail), whatever the IP: bounds a distributed guess at one account. This lets
 *   an attacker lock an account's password sign-in for up to the window; the limit is set high
 *   enough that only a real attack reaches it (API keys and active tokens keep working).
 * Every attempt counts, successful ones too (the e-mail is counted whether it exists or not, so
 * the answers reveal nothing).
 *
 * Password hashing is bounded too: at most `concurrentHashes` scrypt runs at once (32 MiB and
 * ~0.1 s each, on libuv's 4-thread pool), and at most `queuedHashes` more wait; beyond that the
 * attempt is refused at once with 429 instead of queueing, so logins can neither starve the
 * thread pool (file and DNS work share it) nor pile up memory.
 *
 * When Redis is down the limits fall back to per-process counters (the insurance limiter), so
 * sign-in keeps working and stays limited. An app built without Redis (some tests) uses only them.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../../kernel/errors.js';

export interface LoginLimits {
  /** Attempts per client IP and e-mail per minute. */
  readonly perIpAndAccountPerMinute: number;
  /** Attempts per client IP per minute, over all e-mails. */
  readonly perIpPerMinute: number;
  /** Attempts per account (e-mail) per hour, over all client IPs. */
  readonly perAccountPerHour: number;
  /** Password hashes computed at once by login in this process. */
  readonly concurrentHashes: number;
}

export interface LoginLimiterOptions extends LoginLimits {
  /** Shared store; absent = per-process counters only. */
  readonly redis?: Redis | undefined;
  /** Key prefix of the installation (REDIS_PREFIX). */
  readonly prefix: string;
}

/** Waiting hashes allowed per running one before attempts are refused. */
const QUEUE_PER_HASH = 4;

export class LoginLimiter {
  private readonly ipAndAccount: RateLimiterAbstract;
  private readonly ip: RateLimiterAbstract;
  private readonly account: RateLimiterAbstract;
  private readonly hashing: LimitFunction;
  private readonly maxQueued: number;

  constructor(options: LoginLimiterOptions) {
    const make = (name: string, points: number, duration: number): RateLimiterAbstract => {
      const keyPrefix = `${options.prefix}:login:${name}`;
      const memory = new RateLimiterMemory({ keyPrefix, points, duration });
      if (!options.redis) return memory;
      // rejectIfRedisNotReady: while ioredis reconnects, fall back at once instead of waiting in its offline queue.
      return new RateLimiterRedis({ storeClient: options.redis, keyPrefix, points, duration, rejectIfRedisNotReady: true, insuranceLimiter: memory });
    };
    this.ipAndAccount = make('ip-account', options.perIpAndAccountPerMinute, 60);
    this.ip = make('ip', options.perIpPerMinute, 60);
    this.account = make('account', options.perAccountPerHour, 3600);
    this.hashing = pLimit(options.concurrentHashes);
    this.maxQueued = options.concurrentHashes * QUEUE_PER_HASH;
  }

  /** Counts one attempt; throws RATE_LIMITED (429, retryAfterSeconds) when a limit is exceeded. */
  async attempt(ip: string, email: string): Promise<void> {
    const account = normaliseEmail(email);
    // The IP limit first: a spraying address is refused before any per-account counter moves.
    await consume(this.ip, ip, 'Too many sign-in attempts from this address');
    await consume(this.account, account, 'Too many sign-in attempts for this account');
    await consume(this.ipAndAccount, `${ip}:${account}`, 'Too many sign-in attempts');
  }

  /** Runs a password check within the hashing bound; RATE_LIMITED (Retry-After: 1) when too many wait already. */
  async hash<T>(fn: () => Promise<T>): Promise<T> {
    if (this.hashing.pendingCount >= this.maxQueued) {
      throw new AppError('RATE_LIMITED', 'Too many sign-ins in progress; retry in 1 s', { retryAfterSeconds: 1 });
    }
    return this.hashing(fn);
  }
}

function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

async function consume(limiter: RateLimiterAbstract, key: string, message: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    throw new AppError('RATE_LIMITED', `${message}; retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}

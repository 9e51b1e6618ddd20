/**
 * A streaming guard that sits between a client's byte stream and aedes. Aedes (mqtt-packet)
 * buffers a whole packet before any hook runs, up to the protocol limit of 256 MB, so a
 * client announcing a huge PUBLISH could make the broker hold hundreds of megabytes. The
 * guard reads only the fixed header of every packet — the type byte and the Remaining
 * Length varint [MQTT-2.2.3] — skips the body without copying, and refuses the packet as
 * soon as its announced size exceeds the limit.
 */
import { Duplex } from 'node:stream';

export type FrameViolation =
  | { readonly reason: 'too_large'; readonly size: number }
  /** A Remaining Length encoded in more than four bytes [MQTT-2.2.3]. */
  | { readonly reason: 'malformed_length' };

/** Longest a frozen connection waits for its output to flush when closed. */
const GRACEFUL_CLOSE_MS = 2000;
/** Output chunks up to this many bytes in total are merged into one buffer by _writev. */
const COALESCE_BYTES = 64 * 1024;

const enum Phase {
  Type,
  Length,
  Body,
}

/** Tracks MQTT packet boundaries across arbitrary chunking. */
export class MqttFrameGuard {
  private phase = Phase.Type;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private bodyLeft = 0;
  /** A DISCONNECT packet (type 14) has been seen: the client is leaving cleanly [MQTT-3.14.4]. */
  disconnectSeen = false;

  /** @param maxPacketSize largest whole packet (fixed header + remaining length) in bytes */
  constructor(private readonly maxPacketSize: number) {}

  /**
   * Feeds the next chunk. Returns the first violation found, or null when every packet
   * header seen so far is acceptable. After a violation the guard must not be fed again.
   */
  check(chunk: Uint8Array): FrameViolation | null {
    let i = 0;
    while (i < chunk.length) {
      switch (this.phase) {
        case Phase.Type:
          if ((chunk[i] as number) >> 4 === 14) this.disconnectSeen = true;
          i += 1;
          this.phase = Phase.Length;
          this.length = 0;
          this.multiplier = 1;
          this.lengthBytes = 0;
          break;
        case Phase.Length: {
          const byte = chunk[i] as number;
          i += 1;
          this.length += (byte & 0x7f) * this.multiplier;
          this.lengthBytes += 1;
          if ((byte & 0x80) !== 0) {
            if (this.lengthBytes === 4) return { reason: 'malformed_length' };
            this.multiplier *= 128;
            break;
          }
          const size = 1 + this.lengthBytes + this.length;
          if (size > this.maxPacketSize) return { reason: 'too_large', size };
          this.bodyLeft = this.length;
          this.phase = this.bodyLeft > 0 ? Phase.Body : Phase.Type;
          break;
        }
        case Phase.Body: {
          const skip = Math.min(this.bodyLeft, chunk.length - i);
          i += skip;
          this.bodyLeft -= skip;
          if (this.bodyLeft === 0) this.phase = Phase.Type;
          break;
        }
      }
    }
    return null;
  }
}

/**
 * Wraps a client connection (TCP socket, TLS socket or WebSocket stream) for aedes: bytes
 * from the client pass through the frame guard, bytes to the client go straight through.
 * On a violation the connection is destroyed before the oversized body is buffered.
 */
export class GuardedConnection extends Duplex {
  private frozen = false;
  private readonly guard: MqttFrameGuard;

  constructor(
    private readonly inner: Duplex,
    maxPacketSize: number,
    onViolation: (violation: FrameViolation) => void,
    /** Client address, for logs. */
    readonly remoteAddress = 'unknown',
  ) {
    super({ allowHalfOpen: false });
    const guard = new MqttFrameGuard(maxPacketSize);
    this.guard = guard;
    inner.on('data', (chunk: Buffer) => {
      if (this.destroyed) return;
      const violation = guard.check(chunk);
      if (violation) {
        onViolation(violation);
        this.destroy();
        return;
      }
      if (!this.push(chunk)) inner.pause();
    });
    inner.once('end', () => this.push(null));
    inner.on('error', (err: Error) => this.destroy(err));
    inner.once('close', () => {
      if (!this.destroyed) this.destroy();
    });
  }

  /** The client sent DISCONNECT (a clean leave: no will, no `offline` by the broker). */
  get disconnectSeen(): boolean {
    return this.guard.disconnectSeen;
  }

  /**
   * Graceful shutdown: stops reading from the client; writes still go out, and closing
   * later ends the connection after they are flushed (at most GRACEFUL_CLOSE_MS).
   */
  freeze(): void {
    this.frozen = true;
    this.inner.pause();
  }

  override _read(): void {
    if (!this.frozen) this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.inner.destroyed) {
      callback(new Error('connection closed'));
      return;
    }
    this.inner.write(chunk, callback);
  }

  /**
   * Everything aedes wrote while the previous write was in flight (or while mqtt-packet had
   * the stream corked for the tick) goes out as one write: under load one group commit of
   * the journal releases many PUBACKs of the same client at once, and a 4-byte syscall per
   * PUBACK was a large share of the broker's CPU. Small packets are copied into one buffer
   * (cheaper than writev's per-chunk bookkeeping); large ones use the socket's own writev.
   */
  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    if (this.inner.destroyed) {
      callback(new Error('connection closed'));
      return;
    }
    let bytes = 0;
    for (const c of chunks) bytes += c.chunk.length;
    if (bytes <= COALESCE_BYTES) {
      this.inner.write(
        chunks.length === 1
          ? chunks[0]!.chunk
          : Buffer.concat(
              chunks.map((c) => c.chunk),
              bytes,
            ),
        callback,
      );
      return;
    }
    this.inner.cork();
    for (let i = 0; i < chunks.length - 1; i++) this.inner.write(chunks[i]!.chunk);
    this.inner.write(chunks[chunks.length - 1]!.chunk, callback);
    this.inner.uncork();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.inner.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.frozen && !error && !this.inner.destroyed) {
      // Shutting down: let what was written (a last PUBACK) reach the client, then close.
      const timer = setTimeout(() => this.inner.destroy(), GRACEFUL_CLOSE_MS).unref();
      this.inner.end(() => {
        clearTimeout(timer);
        this.inner.destroy();
      });
    } else {
      this.inner.destroy();
    }
    callback(error);
  }
}

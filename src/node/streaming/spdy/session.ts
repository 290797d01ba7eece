// The server side of a SPDY/3.1 connection, as kubectl's SPDY client (moby/spdystream) needs it:
// the peer opens streams (SYN_STREAM), we accept them (SYN_REPLY, empty headers) or refuse them
// (RST_STREAM), data flows both ways with FIN half-closes, PINGs are echoed, GOAWAY ends it.
//
// Flow control: spdystream neither sends WINDOW_UPDATE nor honours ours, so we keep no send
// window. Backpressure is connection-wide, as in spdystream: while any stream's reader is full we
// stop reading the transport; writes wait for the transport to drain.

import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { encodeData, encodeGoAway, encodePing, encodeRstStream, encodeSynReply, FLAG_FIN, FLAG_UNIDIRECTIONAL, FrameParser, GoAwayStatus, RstStatus, type Frame } from './frames.js';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from './header-block.js';

/** Outgoing data is cut into frames of at most this many bytes. */
const DATA_FRAME_SIZE = 64 * 1024;
/** How long a closed session waits for the peer to close the transport before destroying it. */
const CLOSE_TIMEOUT_MS = 5000;

/** One stream of a session: a Duplex of its DATA frames. */
export class SpdyStream extends Duplex {
  /** Set when the peer half-closed (FIN) or reset the stream. */
  remoteClosed = false;
  private localClosed = false;

  constructor(readonly id: number, readonly headers: SpdyHeaders, private readonly session: SpdySession, unidirectional: boolean) {
    super({ allowHalfOpen: true });
    if (unidirectional) this.localClosed = true;
  }

  /** Sends RST_STREAM (CANCEL) and drops the stream. */
  reset(): void {
    if (this.destroyed) return;
    this.session.sendReset(this.id, RstStatus.CANCEL);
    this.remoteClosed = true;
    this.destroy();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.localClosed) return cb(new Error(`write on closed stream ${this.id}`));
    const frames: Buffer[] = [];
    for (let off = 0; off < chunk.length; off += DATA_FRAME_SIZE) frames.push(encodeData(this.id, chunk.subarray(off, off + DATA_FRAME_SIZE)));
    this.session.send(Buffer.concat(frames), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.localClosed) return cb();
    this.localClosed = true;
    this.session.send(encodeData(this.id, Buffer.alloc(0), true), cb);
    this.session.forgetIfDone(this);
  }

  override _read(): void {
    this.session.readerReady(this);
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.session.forget(this);
    cb(err);
  }

  /** A DATA frame from the peer. */
  receive(data: Buffer, fin: boolean): void {
    if (this.remoteClosed) return;
    if (data.length && !this.push(data)) this.session.readerFull(this);
    if (fin) this.remoteFinished();
  }

  remoteFinished(): void {
    if (this.remoteClosed) return;
    this.remoteClosed = true;
    this.push(null);
    this.session.forgetIfDone(this);
  }

  get done(): boolean {
    return this.localClosed && this.remoteClosed;
  }
}

export interface SpdySessionOptions {
  /** Throw to refuse a stream the peer opens (RST_STREAM CANCEL, as spdystream's Reset). */
  validate?(headers: SpdyHeaders): void;
  /** Called for each accepted stream, once its SYN_REPLY (empty headers) is on the wire. */
  onStream(stream: SpdyStream): void;
}

/**
 * A SPDY/3.1 server session over a byte transport (a socket after an `Upgrade: SPDY/3.1`, or a
 * WebSocket stream that tunnels SPDY). Emits 'close' once, when the transport is gone.
 */
export class SpdySession extends EventEmitter {
  private readonly parser = new FrameParser();
  private readonly inflater = new HeaderDecompressor();
  private readonly deflater = new HeaderCompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly fullReaders = new Set<SpdyStream>();
  private drainWaiters: ((err?: Error) => void)[] = [];
  private closeTimer?: NodeJS.Timeout;
  private lastStreamId = 0;
  private goneAway = false;
  private closed = false;

  constructor(private readonly transport: Duplex, private readonly options: SpdySessionOptions) {
    super();
    transport.on('data', (chunk: Buffer) => this.receive(chunk));
    transport.on('drain', () => this.drained());
    transport.on('end', () => this.destroy());
    transport.on('close', () => this.destroy());
    transport.on('error', () => this.destroy());
  }

  /** Sends GOAWAY, drops every stream and ends the transport. */
  close(): void {
    this.shutdown(GoAwayStatus.OK);
  }

  /** Writes one or more encoded frames; cb runs once the transport can take more. */
  send(bytes: Buffer, cb?: (err?: Error | null) => void): void {
    if (this.closed || this.transport.destroyed || this.transport.writableEnded) {
      cb?.(new Error('SPDY connection closed'));
      return;
    }
    if (this.transport.write(bytes) || !cb) cb?.();
    else this.drainWaiters.push(cb);
  }

  sendReset(streamId: number, status: number): void {
    this.send(encodeRstStream(streamId, status));
  }

  readerFull(stream: SpdyStream): void {
    this.fullReaders.add(stream);
    this.transport.pause();
  }

  readerReady(stream: SpdyStream): void {
    if (this.fullReaders.delete(stream) && this.fullReaders.size === 0 && !this.closed) this.transport.resume();
  }

  forgetIfDone(stream: SpdyStream): void {
    if (stream.done) this.forget(stream);
  }

  forget(stream: SpdyStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
    this.readerReady(stream);
  }

  private drained(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const cb of waiters) cb();
  }

  /** GOAWAY, then end the transport gracefully; it is destroyed if the peer does not close in time. */
  private shutdown(status: number): void {
    if (this.closed) return;
    this.send(encodeGoAway(this.lastStreamId, status));
    this.transport.end();
    this.closeTimer = setTimeout(() => this.transport.destroy(), CLOSE_TIMEOUT_MS);
    this.closeTimer.unref();
    this.destroy(false);
  }

  private destroy(transportToo = true): void {
    if (this.closed) {
      if (transportToo) clearTimeout(this.closeTimer);
      return;
    }
    this.closed = true;
    for (const stream of this.streams.values()) stream.destroy();
    this.streams.clear();
    this.fullReaders.clear();
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const cb of waiters) cb(new Error('SPDY connection closed'));
    if (transportToo) {
      clearTimeout(this.closeTimer);
      this.transport.destroy();
    }
    this.emit('close');
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Frame[];
    try {
      frames = this.parser.push(chunk);
    } catch {
      this.shutdown(GoAwayStatus.PROTOCOL_ERROR);
      return;
    }
    for (const frame of frames) {
      if (this.closed) return;
      try {
        this.handle(frame);
      } catch {
        // A header block that does not decompress breaks the zlib stream shared by all streams.
        this.shutdown(GoAwayStatus.PROTOCOL_ERROR);
        return;
      }
    }
  }

  private handle(frame: Frame): void {
    switch (frame.type) {
      case 'syn_stream':
        return this.openStream(frame);
      case 'data': {
        const stream = this.streams.get(frame.streamId);
        if (stream) stream.receive(frame.data, (frame.flags & FLAG_FIN) !== 0);
        else if (frame.streamId > this.lastStreamId) this.sendReset(frame.streamId, RstStatus.INVALID_STREAM);
        return; // data for a stream that just ended races its RST/FIN: dropped
      }
      case 'headers': {
        this.inflater.decode(frame.headerBlock); // keeps the shared zlib window in step; values unused
        if (frame.flags & FLAG_FIN) this.streams.get(frame.streamId)?.remoteFinished();
        return;
      }
      case 'syn_reply':
        this.inflater.decode(frame.headerBlock); // we open no streams; keep the zlib window in step
        return;
      case 'rst_stream': {
        const stream = this.streams.get(frame.streamId);
        if (stream) {
          stream.remoteClosed = true;
          stream.destroy();
        }
        return;
      }
      case 'ping':
        this.send(encodePing(frame.id)); // we send no pings, so every ping is the peer's: echo it
        return;
      case 'goaway':
        this.goneAway = true;
        return;
      case 'settings':
      case 'window_update':
      case 'unknown':
        return; // no flow control (see above); unknown control frames are ignored per the spec
    }
  }

  private openStream(frame: Extract<Frame, { type: 'syn_stream' }>): void {
    const headers = this.inflater.decode(frame.headerBlock);
    const id = frame.streamId;
    // Peer streams have odd, increasing ids.
    if (id === 0 || id % 2 === 0 || id <= this.lastStreamId) {
      this.sendReset(id, RstStatus.PROTOCOL_ERROR);
      return;
    }
    this.lastStreamId = id;
    if (this.goneAway) {
      this.sendReset(id, RstStatus.REFUSED_STREAM);
      return;
    }
    try {
      this.options.validate?.(headers);
    } catch {
      this.sendReset(id, RstStatus.CANCEL);
      return;
    }
    const stream = new SpdyStream(id, headers, this, (frame.flags & FLAG_UNIDIRECTIONAL) !== 0);
    this.streams.set(id, stream);
    this.send(encodeSynReply(id, this.deflater.encode({})));
    if (frame.flags & FLAG_FIN) stream.remoteFinished();
    this.options.onStream(stream);
  }
}

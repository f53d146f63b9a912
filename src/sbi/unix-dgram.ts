// UNIX datagram sockets, which Node's dgram lacks: hostapd's eap_sim_db (the HLR/AuC gateway
// protocol) and wpa_supplicant's control interface both speak SOCK_DGRAM on a path. A small typed
// layer over the unix-dgram addon (bnoordhuis/node-unix-dgram), loaded on first use so that code
// importing this module runs without the addon until a socket is actually opened. The addon
// polls its sockets on the main thread's event loop (uv_default_loop): open them on the main
// thread only.
import type { EventEmitter } from 'node:events';
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { constants } from 'node:os';

/** The addon's socket, as its lib/unix_dgram.js defines it. */
interface NativeSocket extends EventEmitter {
  bind(path: string): void;
  connect(path: string): void;
  send(
    buf: Buffer,
    offset: number,
    length: number,
    path: string,
    callback: (err?: Error) => void,
  ): void;
  close(): void;
}

interface UnixDgramModule {
  createSocket(type: 'unix_dgram'): NativeSocket;
}

let addon: UnixDgramModule | undefined;
function native(): UnixDgramModule {
  if (!isMainThread) {
    // On another thread its sockets would be polled by a loop that does not run that thread's code.
    throw new UnixDgramError('UNIX datagram sockets open on the main thread only', 'ENOTSUP');
  }
  addon ??= createRequire(import.meta.url)('unix-dgram') as UnixDgramModule;
  return addon;
}

/** The addon reports errors with `code` = -errno; this names them. */
function errnoName(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number') {
    const found = Object.entries(constants.errno).find(([, n]) => n === -code);
    if (found) return found[0];
  }
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

export class UnixDgramError extends Error {
  override readonly name = 'UnixDgramError';
  constructor(
    message: string,
    /** errno name (ECONNREFUSED, EADDRINUSE, ...), ECONGESTION when the peer's queue is full */
    readonly code: string,
  ) {
    super(message);
  }
}

/** Runs a synchronous addon call that reports failure by emitting 'error'. */
function syncCall(socket: NativeSocket, call: () => void): Error | undefined {
  let failed: Error | undefined;
  const onError = (err: Error) => (failed = err);
  socket.on('error', onError);
  try {
    call();
  } finally {
    socket.off('error', onError);
  }
  return failed;
}

/**
 * Is a server listening on this path? A datagram connect() succeeds on a live socket and fails
 * with ECONNREFUSED on one whose owner is gone.
 */
function isLive(path: string): boolean {
  const probe = native().createSocket('unix_dgram');
  try {
    const err = syncCall(probe, () => probe.connect(path));
    if (err === undefined) return true;
    if (errnoName(err) === 'ECONNREFUSED') return false;
    throw new UnixDgramError(`cannot probe ${path}: ${errnoName(err)}`, errnoName(err));
  } finally {
    probe.close();
  }
}

/**
 * Makes `path` free for bind(): removes a socket file left by a process that is gone; refuses a
 * socket another process still serves and a path that is not a socket (never deletes a file).
 */
export function removeStaleSocket(path: string): void {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!isSocket) {
    throw new UnixDgramError(`${path} exists and is not a socket`, 'EEXIST');
  }
  if (isLive(path)) {
    throw new UnixDgramError(`${path} is served by another process`, 'EADDRINUSE');
  }
  unlinkSync(path);
}

export type DatagramHandler = (data: Buffer, from: string | undefined) => void;

export interface BindOptions {
  /** file mode of the socket (default 0o600: only this user may send to it) */
  mode?: number;
  /** remove a stale socket file at the path first (removeStaleSocket) */
  replaceStale?: boolean;
}

/** A bound UNIX datagram socket: receives on its path, sends to other paths. */
export class UnixDatagramSocket {
  readonly path: string;
  readonly #socket: NativeSocket;
  #closed = false;
  #handler: DatagramHandler | undefined;
  #onError: ((err: UnixDgramError) => void) | undefined;

  private constructor(path: string, socket: NativeSocket) {
    this.path = path;
    this.#socket = socket;
    socket.on('message', (data: Buffer, rinfo: { path?: string | null }) => {
      this.#handler?.(data, rinfo.path ?? undefined);
    });
    // An 'error' without a listener would throw from inside the addon's callback.
    socket.on('error', (err: Error) => {
      this.#onError?.(new UnixDgramError(err.message, errnoName(err)));
    });
  }

  /** Binds a new socket to `path` (which must not exist unless replaceStale) with `mode`. */
  static bind(path: string, options: BindOptions = {}): UnixDatagramSocket {
    if (options.replaceStale) removeStaleSocket(path);
    const socket = native().createSocket('unix_dgram');
    // bind() creates the file with the process's umask: made owner-only from the start, so there
    // is no moment in which others may send to it (the chmod below then sets the mode asked for).
    // bind() is synchronous; a file another thread creates in that instant is only made stricter.
    const previous = process.umask(0o177);
    let err: Error | undefined;
    try {
      err = syncCall(socket, () => socket.bind(path));
    } finally {
      process.umask(previous);
    }
    if (err !== undefined) {
      socket.close();
      throw new UnixDgramError(`cannot bind ${path}: ${errnoName(err)}`, errnoName(err));
    }
    try {
      chmodSync(path, options.mode ?? 0o600);
    } catch (e) {
      socket.close();
      unlinkSync(path);
      throw e;
    }
    return new UnixDatagramSocket(path, socket);
  }

  /** Sets the receiver of every datagram; `from` is the sender's path, if it bound one. */
  onMessage(handler: DatagramHandler): void {
    this.#handler = handler;
  }

  /** Errors the socket reports outside a call (none are expected on a bound datagram socket). */
  onError(handler: (err: UnixDgramError) => void): void {
    this.#onError = handler;
  }

  /**
   * Sends one datagram to the socket at `to`. Rejects with ECONNREFUSED or ENOENT when nothing
   * listens there, ECONGESTION when its queue is full (the datagram is dropped, not queued).
   */
  send(data: Buffer | string, to: string): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new UnixDgramError('the socket is closed', 'EBADF'));
    }
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    return new Promise((resolve, reject) => {
      this.#socket.send(buf, 0, buf.length, to, (err) => {
        if (err === undefined) resolve();
        else {
          const code = (err as { code?: unknown }).code === 1 ? 'ECONGESTION' : errnoName(err);
          reject(new UnixDgramError(`cannot send to ${to}: ${code}`, code));
        }
      });
    });
  }

  /** Closes the socket and removes its path. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handler = undefined;
    this.#socket.close();
    try {
      unlinkSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

// The one HTTP client every function uses to call another (DESIGN.md: "a typed client used by the
// other parts"). undici's request() with keep-alive (Node 20's fetch costs about four times the
// CPU per call, measured: most of an onboarding's HTTP cost); JSON in and out; any unexpected
// status becomes an SbiClientError carrying the peer's ProblemDetails, so a caller can act on
// `cause`.
import { request as httpRequest } from 'undici';
import type { ProblemDetails } from './problem-details.js';

export type { ProblemDetails } from './problem-details.js';

export class SbiClientError extends Error {
  override readonly name = 'SbiClientError';
  constructor(
    message: string,
    /** HTTP status, or 0 when no response came (connection refused, timeout) */
    readonly status: number,
    readonly problem: ProblemDetails | undefined,
  ) {
    super(message);
  }

  /** The peer's application error cause, when it sent ProblemDetails with one. */
  get problemCause(): string | undefined {
    return this.problem?.cause;
  }
}

export interface SbiClientOptions {
  /** e.g. http://127.0.0.1:7701 (no trailing path) */
  baseUrl: string;
  bearerToken?: string;
  /** per request; default 10 s */
  timeoutMs?: number;
}

export type SbiMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface SbiRequestOptions {
  json?: unknown;
  body?: Uint8Array | string;
  contentType?: string;
  headers?: Record<string, string>;
  /** statuses that count as success; default 200, 201, 202, 204 */
  expect?: number[];
  /** this request's timeout, instead of the client's (a long poll needs more) */
  timeoutMs?: number;
}

export interface SbiResponse<T> {
  status: number;
  headers: ResponseHeaders;
  body: T;
}

/** The answer's headers, by case-insensitive name. */
export class ResponseHeaders {
  constructor(private readonly raw: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
}

const DEFAULT_EXPECT = [200, 201, 202, 204];

export class SbiClient {
  readonly #baseUrl: string;
  readonly #authorization: string | undefined;
  readonly #timeoutMs: number;

  constructor(options: SbiClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new TypeError('an SBI client needs an absolute http(s) base URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError('an SBI client needs an http(s) base URL');
    }
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#authorization =
      options.bearerToken !== undefined ? `Bearer ${options.bearerToken}` : undefined;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async request<T>(
    method: SbiMethod,
    path: string,
    options: SbiRequestOptions = {},
  ): Promise<SbiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.#authorization !== undefined) headers.authorization = this.#authorization;
    let body: string | Uint8Array | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.body !== undefined) {
      body = options.body;
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
    }
    const where = `${method} ${path}`;
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    let status: number;
    let responseHeaders: ResponseHeaders;
    let text: string;
    // Our own timer: AbortSignal.timeout() costs about a third more per call, and undici's
    // headersTimeout ticks too coarsely for short timeouts.
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, timeoutMs);
    try {
      const response = await httpRequest(this.#baseUrl + path, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: abort.signal,
      });
      status = response.statusCode;
      responseHeaders = new ResponseHeaders(response.headers);
      text = await response.body.text();
    } catch {
      const reason = timedOut
        ? `no answer within ${timeoutMs} ms`
        : `cannot reach ${this.#baseUrl}`;
      throw new SbiClientError(`${where}: ${reason}`, 0, undefined);
    } finally {
      clearTimeout(timer);
    }
    const parsed = parseJson(text);
    if (!(options.expect ?? DEFAULT_EXPECT).includes(status)) {
      const problem = isProblem(parsed) ? parsed : undefined;
      const cause = problem?.cause !== undefined ? ` (${problem.cause})` : '';
      const detail = problem?.detail !== undefined ? `: ${problem.detail}` : '';
      throw new SbiClientError(`${where} answered ${status}${cause}${detail}`, status, problem);
    }
    if (text.length > 0 && parsed === undefined) {
      throw new SbiClientError(`${where} answered a body that is not JSON`, status, {
        title: 'Bad response',
        status,
      });
    }
    return { status, headers: responseHeaders, body: parsed as T };
  }
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isProblem(value: unknown): value is ProblemDetails {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { status?: unknown }).status === 'number'
  );
}

// Thin client for the Strata JSON API: same-origin, cookie session, envelope unwrapping.

import { isUnavailableStatus, setOnline } from './connection';

export interface ApiErrorBody {
  code: string;
  message: string;
  fields?: Record<string, string>;
  request_id?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string>;
  readonly requestId?: string;
  /** Seconds from Retry-After, for 429 answers. */
  readonly retryAfter?: number;

  constructor(status: number, body: ApiErrorBody, retryAfter?: number) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.fields = body.fields ?? {};
    this.requestId = body.request_id;
    this.retryAfter = retryAfter;
  }
}

export interface ApiResult<T, M = undefined> {
  data: T;
  meta: M;
  headers: Headers;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** A body sent as is (for example an uploaded file's text) with its own Content-Type. */
  rawBody?: { text: string; contentType: string };
  headers?: Record<string, string>;
  query?: URLSearchParams | Record<string, string | number | undefined | null>;
}

function buildQuery(query: RequestOptions['query']): string {
  if (!query) return '';
  const params =
    query instanceof URLSearchParams
      ? query
      : new URLSearchParams(
          Object.entries(query)
            .filter(([, v]) => v !== undefined && v !== null && v !== '')
            .map(([k, v]) => [k, String(v)]),
        );
  const s = params.toString();
  return s ? `?${s}` : '';
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  const d = Date.parse(value);
  if (!Number.isNaN(d)) return Math.max(0, Math.ceil((d - Date.now()) / 1000));
  return undefined;
}

/** True for an error that says the server is briefly unreachable, not that the request is wrong. */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof ApiError) return isUnavailableStatus(err.status);
  return err instanceof TypeError; // fetch itself failed: no answer at all
}

export async function api<T, M = undefined>(path: string, opts: RequestOptions = {}): Promise<ApiResult<T, M>> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  } else if (opts.rawBody !== undefined) {
    headers['Content-Type'] = opts.rawBody.contentType;
    body = opts.rawBody.text;
  }
  let res: Response;
  try {
    res = await fetch(`/api${path}${buildQuery(opts.query)}`, {
      method: opts.method ?? 'GET',
      headers,
      body,
      credentials: 'same-origin',
    });
  } catch (err) {
    setOnline(false);
    throw err;
  }
  setOnline(!isUnavailableStatus(res.status));
  let json: any = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  if (!res.ok || !json || json.success === false) {
    const errBody: ApiErrorBody =
      json && json.error ? json.error : { code: 'SERVER_ERROR', message: `Request failed (HTTP ${res.status})` };
    const err = new ApiError(res.status, errBody, parseRetryAfter(res.headers.get('Retry-After')));
    if (err.status === 401 && path !== '/auth/login') {
      window.dispatchEvent(new CustomEvent('strata:unauthenticated'));
    }
    throw err;
  }
  return { data: json.data as T, meta: json.meta as M, headers: res.headers };
}

/** A message suitable for an alert: the API's message plus its request id when useful. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'RATE_LIMITED' && err.retryAfter !== undefined) {
      return `${err.message} Try again in ${err.retryAfter} second${err.retryAfter === 1 ? '' : 's'}.`;
    }
    if (isUnavailableStatus(err.status)) {
      return 'The server is briefly unavailable; you are still signed in. Try again in a moment.';
    }
    if (err.code === 'SERVER_ERROR' && err.requestId) {
      return `${err.message} (request id ${err.requestId})`;
    }
    return err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/** If-Match value for a version, in the form the server sends in ETag. */
export function ifMatch(version: number): string {
  return `"${version}"`;
}

/** A 409 answer: someone else changed the record since it was loaded. */
export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 'CONFLICT';
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}

// The API as the page uses it: the key from the browser's storage on every request, and every
// refusal turned into an ApiError carrying the problem+json body and the Retry-After header.
import { load, remove, store } from './storage.js';

const BASE = '/api/v1';
const KEY_ITEM = 'mixchain.apiKey';

export function getKey() {
  return load(KEY_ITEM) ?? '';
}

export function setKey(key) {
  if (key) store(KEY_ITEM, key);
  else remove(KEY_ITEM);
}

/** A refusal by the API (status > 0) or a request that got no answer (status 0). */
export class ApiError extends Error {
  constructor({ status, code, detail, retryAfter = null }) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    /** Seconds to wait before retrying, from Retry-After (503, 429), or null. */
    this.retryAfter = retryAfter;
  }
}

/** Seconds from a Retry-After header: a number of seconds or an HTTP date. */
function parseRetryAfter(value) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(0, Math.ceil((when - Date.now()) / 1000));
}

/** The ApiError for an answer that is not 2xx, from its body text (problem+json or anything else). */
export function problemError(status, bodyText, retryAfterHeader) {
  let problem = null;
  try {
    problem = JSON.parse(bodyText);
  } catch {
    // Not JSON: a proxy's page, or nothing; the status alone is described.
  }
  return new ApiError({
    status,
    code: problem?.code ?? `HTTP_${status}`,
    detail: problem?.detail ?? problem?.title ?? `The server answered ${status}`,
    retryAfter: parseRetryAfter(retryAfterHeader),
  });
}

export function authHeaders(extra = {}) {
  const key = getKey();
  return key ? { Authorization: `Bearer ${key}`, ...extra } : { ...extra };
}

/** fetch on the API with the key; resolves to the Response when it is 2xx, else throws ApiError. */
export async function apiFetch(path, { headers = {}, ...init } = {}) {
  let response;
  try {
    response = await fetch(`${BASE}${path}`, { ...init, headers: authHeaders(headers) });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError({ status: 0, code: 'ERR_NETWORK', detail: 'The server did not answer' });
  }
  if (!response.ok) throw problemError(response.status, await response.text().catch(() => ''), response.headers.get('Retry-After'));
  return response;
}

export async function apiJson(path, { body, headers = {}, ...init } = {}) {
  const json = body === undefined ? {} : { 'Content-Type': 'application/json' };
  const response = await apiFetch(path, { ...init, headers: { Accept: 'application/json', ...json, ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return response.status === 204 ? null : response.json();
}

/** Limits, presets and choices; needs no key. */
export function getInfo() {
  return apiJson('/info');
}

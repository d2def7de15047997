/**
 * Calls to the kyso API (same origin) and the display of RFC 9457 problem documents: title,
 * detail and our stable `code`, always as text.
 */
import { h, clear } from './dom.js';
import { t, inLang } from './i18n.js';
import { PROBLEM_STRINGS, PROBLEM_FALLBACK } from './problem-strings.js';

export class ApiError extends Error {
  /**
   * @param {{ title?: string, detail?: string, code?: string, status?: number, requestId?: string, details?: unknown }} problem
   * @param {number} status
   */
  constructor(problem, status) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.problem = problem;
    this.status = status;
  }
}

/**
 * fetch() that throws ApiError for non-2xx answers, reading problem+json when the server sent it.
 * @param {string} url
 * @param {RequestInit & { token?: string }} [init]
 * @returns {Promise<Response>}
 */
export async function apiFetch(url, init = {}) {
  const { token, ...rest } = init;
  const headers = new Headers(rest.headers || {});
  if (token) headers.set('Authorization', `Bearer ${token}`);
  let res;
  try {
    res = await fetch(url, { ...rest, headers, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError({ title: t('error.network'), detail: e instanceof Error ? e.message : String(e), code: 'NETWORK' }, 0);
  }
  if (res.ok) return res;
  const type = res.headers.get('content-type') || '';
  let problem = { title: `HTTP ${res.status}`, status: res.status };
  if (/json/.test(type)) {
    try {
      problem = { ...problem, ...(await res.json()) };
    } catch {
      /* keep the status line */
    }
  }
  throw new ApiError(problem, res.status);
}

/**
 * Shows an error in `container` (role=alert so screen readers announce it).
 * @param {HTMLElement} container
 * @param {unknown} err
 */
export function showProblem(container, err) {
  clear(container);
  const p =
    err instanceof ApiError ? err.problem : { title: t('error.unexpected'), detail: err instanceof Error ? err.message : String(err) };
  const box = h(
    'div',
    { class: 'problem', role: 'alert' },
    h('p', { class: 'problem-title' }, problemTitle(p)),
    // An answer's detail is the server's (or the agent's) technical English; the page's own messages are not labelled.
    p.detail ? h('p', { class: 'problem-detail' }, err instanceof ApiError ? `${t('error.detail')}: ` : '', p.detail) : null,
    p.code ? h('p', {}, `${t('error.code')}: `, h('code', { class: 'problem-code' }, p.code)) : null,
    p.requestId ? h('p', { class: 'hint' }, `${t('error.requestId')}: `, h('code', {}, p.requestId)) : null,
  );
  container.appendChild(box);
  container.hidden = false;
}

/**
 * What the person reads first: the page's own sentence for the API's stable code
 * (./problem-strings.js) in the page's language, its {placeholders} filled from the problem's
 * details, and the PIN attempts left when the problem counts them. The server's title is only
 * the HTTP status phrase and its detail is technical English: the detail is shown below, as
 * such. A problem the page made itself (no connection) keeps its own translated title; a code
 * this page does not know yet (a newer server) gets the general sentence with the code.
 * @param {{ title?: string, code?: string, type?: string, details?: unknown }} p
 */
function problemTitle(p) {
  // own keys only: a code such as "constructor" must not reach Object.prototype
  const known = p.code && Object.hasOwn(PROBLEM_STRINGS, p.code) ? PROBLEM_STRINGS[p.code] : undefined;
  const vars = p.details && typeof p.details === 'object' ? /** @type {Record<string, unknown>} */ (p.details) : {};
  if (known) {
    const left = vars.remainingAttempts;
    const attempts = typeof left === 'number' && left > 0 ? ` ${t('error.attemptsLeft', { n: left })}` : '';
    return inLang(known, vars) + attempts;
  }
  if (p.type && p.code) return inLang(PROBLEM_FALLBACK, { code: p.code });
  return p.title || t('error.unexpected');
}

/**
 * Offers bytes as a download without navigating (works under the strict CSP: no inline code).
 * @param {Blob} blob
 * @param {string} filename
 */
export function downloadBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Lower-case hex of the SHA-256 of a file, computed in the browser (WebCrypto). @param {Blob} file */
export async function sha256Hex(file) {
  if (!globalThis.crypto || !crypto.subtle) throw new Error(t('error.noWebCrypto'));
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

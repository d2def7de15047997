/**
 * Who the workstation acts as. A signed-in person has a server session (HttpOnly cookie) and
 * `GET /api/v1/session` answers with the principal and the CSRF token that every state-changing
 * request must carry in `X-CSRF-Token`; without a session, an API token kept in this tab's
 * sessionStorage (never localStorage) is sent as a bearer token. The PIN is never kept.
 */
import { apiFetch } from './api.js';

const TOKEN_KEY = 'kyso.apiToken';

/** @type {{ kind: 'session', csrfToken: string, principal: any } | { kind: 'token', token: string } | { kind: 'none' }} */
let current = { kind: 'none' };

export function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function rememberToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled: nothing is kept */
  }
}

/** Asks the server who we are; falls back to the tab's API token. */
export async function detectAuth() {
  try {
    const res = await fetch('/api/v1/session', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
    if (res.ok) {
      const j = await res.json();
      if (j && j.principal && typeof j.csrfToken === 'string') {
        current = { kind: 'session', csrfToken: j.csrfToken, principal: j.principal };
        return current;
      }
    }
  } catch {
    /* no session endpoint on this server: tokens only */
  }
  const token = storedToken();
  current = token ? { kind: 'token', token } : { kind: 'none' };
  return current;
}

export function auth() {
  return current;
}

/**
 * apiFetch with the caller's credentials: the session cookie (+ CSRF header on anything but
 * GET/HEAD) or the bearer token.
 * @param {string} url @param {RequestInit} [init]
 */
export function authFetch(url, init = {}) {
  const headers = new Headers(init.headers || {});
  const method = (init.method || 'GET').toUpperCase();
  if (current.kind === 'session') {
    if (method !== 'GET' && method !== 'HEAD') headers.set('X-CSRF-Token', current.csrfToken);
    return apiFetch(url, { ...init, headers });
  }
  return apiFetch(url, { ...init, headers, ...(current.kind === 'token' ? { token: current.token } : {}) });
}

/**
 * Sign-in page: POST /api/v1/session with the username and password (and the TOTP code when the
 * server asks for it), or a link to the province's identity provider. On success the browser
 * holds an HttpOnly session cookie (this script never sees it) and goes back to `returnTo`.
 */
import { byId } from './dom.js';
import { initI18n, setText, lang, t } from './i18n.js';
import { apiFetch, ApiError, showProblem } from './api.js';

/** Sign-in failures in the page's language; the stable code is shown beside them. */
const MESSAGES = {
  LOGIN_FAILED: 'login.err.failed',
  LOGIN_LOCKED: 'login.err.locked',
  CSRF_INVALID: 'login.err.csrf',
  OIDC_FAILED: 'login.err.oidc',
  VALIDATION_FAILED: 'login.err.failed',
};

/** @param {string} code */
function problemFor(code) {
  return new ApiError({ code, title: t(MESSAGES[code] ?? 'error.unexpected'), detail: '' }, 401);
}

const input = (id) => /** @type {HTMLInputElement} */ (byId(id));

/** A same-origin path only (never another site): the server applies the same rule. */
function returnTo() {
  const v = new URLSearchParams(location.search).get('returnTo') || '/workstation';
  return v.startsWith('/') && !v.startsWith('//') && !/[\\\s]/.test(v) ? v : '/workstation';
}

function withLang(path) {
  if (lang() !== 'en') return path;
  return path + (path.includes('?') ? '&' : '?') + 'lang=en';
}

async function signIn(ev) {
  ev.preventDefault();
  const errorBox = byId('login-error');
  const state = byId('login-state');
  const button = /** @type {HTMLButtonElement} */ (byId('login-button'));
  errorBox.textContent = '';
  button.disabled = true;
  setText(state, 'login.working');
  const body = { username: input('username').value.trim(), password: input('password').value };
  const code = input('totp').value.trim();
  if (code) body.totp = code;
  try {
    await apiFetch('/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    setText(state, 'login.done');
    location.assign(withLang(returnTo()));
  } catch (err) {
    setText(state, null);
    if (err instanceof ApiError && err.problem.code === 'TOTP_REQUIRED') {
      byId('totp-field').hidden = false;
      input('totp').focus();
      setText(state, 'login.totpNeeded');
    } else if (err instanceof ApiError && err.problem.code && MESSAGES[err.problem.code]) {
      showProblem(errorBox, problemFor(err.problem.code));
    } else {
      showProblem(errorBox, err);
    }
  } finally {
    button.disabled = false;
  }
}

function init() {
  initI18n();
  byId('login-form').addEventListener('submit', (ev) => void signIn(ev));
  const link = /** @type {HTMLAnchorElement} */ (byId('oidc-link'));
  link.href = `/auth/oidc/login?returnTo=${encodeURIComponent(withLang(returnTo()))}`;
  const q = new URLSearchParams(location.search);
  if (q.get('error')) {
    showProblem(byId('login-error'), problemFor(q.get('error') === 'OIDC_FAILED' ? 'OIDC_FAILED' : 'LOGIN_FAILED'));
  }
}

init();

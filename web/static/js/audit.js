/**
 * Auditors' page: search the audit log (GET /api/v1/audit) by actor, object, action (or action
 * group), outcome and period in Vietnam time, page through it with the server's `next` link, and
 * check the whole hash chain (POST /api/v1/audit/verify). A signed-in session cookie is used when
 * there is one; otherwise an API token kept in sessionStorage only.
 */
import { h, clear, byId } from './dom.js';
import { t, initI18n, onLangChange, setText } from './i18n.js';
import { apiFetch, showProblem } from './api.js';
import { vietnamTime } from './time.js';
import { csrfToken, loadSession } from './session.js';

const TOKEN_KEY = 'kyso.apiToken';
const PAGE_SIZE = 50;

/** @type {string | null} URL of the next page, from the last answer */
let nextUrl = null;
let shown = 0;

const input = (id) => /** @type {HTMLInputElement} */ (byId(id));
const value = (id) => input(id).value.trim();

function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

function token() {
  return value('token') || storedToken();
}

function saveToken() {
  try {
    if (value('token')) sessionStorage.setItem(TOKEN_KEY, value('token'));
  } catch {
    /* storage disabled: the field still holds it for this page */
  }
  setText(byId('token-state'), storedToken() ? 'audit.tokenSet' : 'audit.tokenUnset');
}

/** 'YYYY-MM-DD' (a day in Vietnam) → the instant it starts, with the +07:00 offset written out. */
function dayStart(day) {
  return `${day}T00:00:00+07:00`;
}

/** The day after 'YYYY-MM-DD', for an exclusive upper bound that includes the whole last day. */
function nextDay(day) {
  const [y, m, d] = day.split('-').map(Number);
  const n = new Date(Date.UTC(y, m - 1, d + 1));
  return n.toISOString().slice(0, 10);
}

/** The query of the first page from the form; null (with a message) when the form is inconsistent. */
function firstPageUrl() {
  const q = new URLSearchParams({ limit: String(PAGE_SIZE), order: value('order') || 'desc' });
  if (value('actor')) q.set('actor', value('actor'));
  if (value('target')) q.set('target', value('target'));
  const action = value('action');
  // "copy." (or "copy.*") asks for the whole group of actions.
  if (action.endsWith('.*')) q.set('actionPrefix', action.slice(0, -1));
  else if (action.endsWith('.')) q.set('actionPrefix', action);
  else if (action) q.set('action', action);
  if (value('outcome')) q.set('outcome', value('outcome'));
  const since = value('since');
  const until = value('until');
  if (since && until && since > until) return null;
  if (since) q.set('since', dayStart(since));
  if (until) q.set('until', dayStart(nextDay(until)));
  return `/api/v1/audit?${q.toString()}`;
}

/** @param {{ seq: number, time: string, actor: string, role: string, action: string, target: string | null, outcome: string, details: unknown }} e */
function row(e) {
  const details = e.details && Object.keys(e.details).length ? JSON.stringify(e.details, null, 2) : '';
  return h(
    'tr',
    {},
    h('td', { class: 'num' }, String(e.seq)),
    h('td', { class: 'when' }, vietnamTime(e.time)),
    h('td', {}, h('code', {}, e.actor), h('br'), h('span', { class: 'hint' }, e.role)),
    h('td', { class: 'action' }, h('code', {}, e.action)),
    h('td', {}, e.target ? h('code', {}, e.target) : ''),
    h('td', { class: `outcome-${e.outcome}` }, t(e.outcome === 'success' ? 'audit.success' : 'audit.failure')),
    h('td', {}, details ? h('details', {}, h('summary', {}, t('audit.showDetails')), h('pre', {}, details)) : ''),
  );
}

/** @param {string} url @param {boolean} append */
async function load(url, append) {
  const problem = byId('problem');
  problem.hidden = true;
  const count = byId('results-count');
  count.textContent = t('audit.loading');
  byId('results').hidden = false;
  try {
    const res = await apiFetch(url, { token: token() });
    const body = await res.json();
    const rows = byId('rows');
    if (!append) {
      clear(rows);
      shown = 0;
    }
    for (const e of body.items) rows.appendChild(row(e));
    shown += body.items.length;
    nextUrl = body.next ?? null;
    byId('next-page').hidden = !nextUrl;
    setText(count, shown === 0 ? 'audit.none' : nextUrl ? 'audit.countMore' : 'audit.count', { n: shown });
  } catch (err) {
    count.textContent = '';
    showProblem(problem, err);
  }
}

async function verifyChain() {
  const state = byId('chain-state');
  state.hidden = false;
  state.className = '';
  setText(state, 'audit.checking');
  try {
    // A signed-in session proves the request is ours with its CSRF token; a bearer token needs none.
    const csrf = csrfToken();
    const res = await apiFetch('/api/v1/audit/verify', {
      method: 'POST',
      token: token(),
      ...(csrf ? { headers: { 'X-CSRF-Token': csrf } } : {}),
    });
    const v = await res.json();
    if (v.ok) {
      state.className = 'chain-ok';
      setText(state, 'audit.chainOk', { n: v.count, head: v.headSeq });
    } else {
      state.className = 'chain-bad';
      setText(state, 'audit.chainBad', { seq: v.firstBadSeq, problem: v.problem });
    }
  } catch (err) {
    state.hidden = true;
    showProblem(byId('problem'), err);
  }
}

async function init() {
  initI18n();
  setText(byId('token-state'), storedToken() ? 'audit.tokenSet' : 'audit.tokenUnset');
  // A person signed in with an account needs no token: the session cookie authenticates.
  if (await loadSession().catch(() => null)) byId('token-form').hidden = true;
  byId('token-save').addEventListener('click', saveToken);
  byId('search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const url = firstPageUrl();
    if (!url) {
      showProblem(byId('problem'), new Error(t('audit.badDates')));
      return;
    }
    void load(url, false);
  });
  byId('next-page').addEventListener('click', () => {
    if (nextUrl) void load(nextUrl, true);
  });
  byId('verify-chain').addEventListener('click', () => void verifyChain());
  onLangChange(() => {
    if (shown > 0) setText(byId('results-count'), nextUrl ? 'audit.countMore' : 'audit.count', { n: shown });
  });
}

void init();

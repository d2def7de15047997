/**
 * Officials' signing page: choose one or several PDFs, see the page and place the signature on
 * it (with the server's own preview of the stamp), then sign every file with a server-held
 * credential + PIN or with a USB token through the local `kyso agent`
 * (one confirmation and one PIN: POST /api/v1/sign/prepare/batch → the agent signs →
 * POST /api/v1/sign/complete/batch, group after group with the three stages side by side), one
 * progress bar per file and one download at the end. With a server-held credential the PIN is
 * given once per batch: it opens one batch authorization for exactly the files to sign
 * (POST /api/v1/credentials/{id}/authorizations, the CSC credentials/authorize model), the files
 * are signed with its id a few at a time, two requests in flight (POST /api/v1/sign/batch, one
 * result per file), and the authorization is revoked when the batch ends.
 * The PIN is never stored.
 */
import { h, clear, byId } from './dom.js';
import { t, initI18n, onLangChange, setText, lang } from './i18n.js';
import { showProblem, downloadBlob, ApiError } from './api.js';
import { detectAuth, auth, authFetch, rememberToken, storedToken } from './ws-auth.js';
import { PageViewer, openPdf } from './ws-viewer.js';
import {
  findAgent,
  pair,
  pairingCode,
  promptName,
  agentCertificates,
  openAgentBatch,
  signInAgentBatch,
  endAgentBatch,
} from './ws-agent.js';
import { vietnamTime } from './time.js';
import { credentialGroups, tokenGroups } from './ws-groups.js';

const POINTS_PER_MM = 72 / 25.4;
const ZIP_MODULE = '/static/vendor/fflate/browser.js';

/** @typedef {{ file: File, row: HTMLElement, bar: HTMLProgressElement, state: HTMLElement, link: HTMLElement, out: Blob | null }} Item */
/** @type {Item[]} */
let items = [];
/** Index of the file shown in the viewer. */
let shown = -1;
/** @type {{ base: string, paired: boolean } | null} */
let agent = null;

const input = (id) => /** @type {HTMLInputElement} */ (byId(id));
const value = (id) => input(id).value.trim();
const num = (id) => Number(value(id));
const radio = (name) => /** @type {HTMLInputElement | null} */ (document.querySelector(`input[name="${name}"]:checked`))?.value ?? '';

const viewer = new PageViewer({
  view: byId('page-view'),
  canvas: /** @type {HTMLCanvasElement} */ (byId('page-canvas')),
  box: byId('stamp-box'),
  stampCanvas: /** @type {HTMLCanvasElement} */ (byId('stamp-canvas')),
  onChange: syncPlacementFields,
});

// ——— who we are ———

function showWho() {
  const a = auth();
  const who = byId('who');
  if (a.kind === 'session') setText(who, 'ws.whoSession', { name: a.principal.displayName || a.principal.id });
  else if (a.kind === 'token') setText(who, 'ws.whoToken');
  else setText(who, 'ws.whoNone');
  const fallback = /** @type {HTMLDetailsElement} */ (byId('token-fallback'));
  fallback.hidden = a.kind === 'session';
  fallback.open = a.kind === 'none';
}

async function refreshAuth() {
  await detectAuth();
  showWho();
  await loadCredentials();
}

// ——— server-held credentials ———

async function loadCredentials() {
  const sel = /** @type {HTMLSelectElement} */ (byId('credential'));
  clear(sel);
  if (auth().kind === 'none') {
    sel.appendChild(h('option', { value: '' }, t('ws.credentialsNeedLogin')));
    return;
  }
  try {
    const res = await authFetch('/api/v1/credentials/mine', { headers: { Accept: 'application/json' } });
    const { credentials } = await res.json();
    if (!credentials.length) sel.appendChild(h('option', { value: '' }, t('ws.noCredentials')));
    for (const c of credentials) {
      const name = c.subjectCommonName || c.label;
      const label = c.locked
        ? t('ws.credentialLocked', { name })
        : !c.activated
          ? t('ws.credentialInactive', { name })
          : t('ws.credentialOption', { name, date: vietnamTime(c.notAfter).slice(0, 10) });
      const opt = h('option', { value: c.id, 'data-name': name, 'data-organization': c.subjectOrganization || '' }, label);
      if (c.locked || !c.activated) opt.setAttribute('disabled', '');
      sel.appendChild(opt);
    }
    const first = [...sel.options].find((o) => !o.disabled && o.value);
    if (first) sel.value = first.value;
    fillNameFromCertificate();
  } catch (e) {
    sel.appendChild(h('option', { value: '' }, t('ws.credentialsNeedLogin')));
    if (!(e instanceof ApiError && e.status === 401)) showProblem(byId('error'), e);
  }
}

/** True once the official typed a name of their own: it is then never replaced. */
let nameTyped = false;

/** The stamp shows the chosen certificate's name (server credential or USB token) unless the official typed another. */
function fillNameFromCertificate() {
  let name = '';
  if (radio('method') === 'agent') {
    const c = agentCerts.find((x) => x.id === value('agent-cert'));
    name = c ? commonName(c) : '';
  } else name = /** @type {HTMLSelectElement} */ (byId('credential')).selectedOptions[0]?.getAttribute('data-name') ?? '';
  if (name && !nameTyped && value('signer-name') !== name) {
    input('signer-name').value = name;
    schedulePreview();
  }
}

function commonName(c) {
  return /CN=([^\n,]+)/.exec(c.subject)?.[1] || c.label;
}

// ——— files ———

function addFiles(files) {
  for (const file of files) {
    const bar = /** @type {HTMLProgressElement} */ (
      h('progress', { class: 'file-progress', max: '100', value: '0', 'aria-label': t('ws.progress', { name: file.name }) })
    );
    const state = h('span', { class: 'file-state' }, t('ws.fileWaiting'));
    const link = h('span', { class: 'file-link' });
    const show = h('button', { type: 'button', class: 'secondary small file-show' }, t('ws.fileShow'));
    const row = h('li', { class: 'file-row' }, h('span', { class: 'file-name' }, file.name), bar, state, show, link);
    const item = { file, row, bar, state, link, out: null };
    show.addEventListener('click', () => void showFile(items.indexOf(item), 1));
    items.push(item);
    byId('file-list').appendChild(row);
  }
  updateSignButton();
  if (shown < 0 && items.length) void showFile(0, 1);
}

async function showFile(i, pageNo) {
  const item = items[i];
  if (!item) return;
  try {
    const doc = await openPdf(new Uint8Array(await item.file.arrayBuffer()));
    shown = i;
    for (const [k, it] of items.entries()) it.row.classList.toggle('shown', k === i);
    byId('viewer-empty').hidden = true;
    byId('page-view').hidden = false;
    await viewer.show(doc, pageNo);
    if (!viewer.rect) viewer.placeDefault();
    else viewer.setRect(viewer.rect);
    setText(byId('page-label'), 'ws.pageOf', { n: viewer.pageNo, total: viewer.numPages, name: item.file.name });
    input('page').value = String(viewer.pageNo);
    syncPlacementFields();
  } catch (e) {
    setText(byId('viewer-empty'), 'ws.viewerFailed', { detail: e instanceof Error ? e.message : String(e) });
    byId('viewer-empty').hidden = false;
    byId('page-view').hidden = true;
  }
}

// ——— placement ———

function syncPlacementFields() {
  const r = viewer.rect;
  if (!r) return;
  input('rx').value = String(Math.round(r[0]));
  input('ry').value = String(Math.round(r[1]));
  input('rw').value = String(Math.round(r[2]));
  input('rh').value = String(Math.round(r[3]));
  const [x0, y0] = viewer.page ? viewer.page.view : [0, 0];
  setText(byId('stamp-where'), 'ws.stampWhere', {
    page: viewer.pageNo,
    x: Math.round((r[0] - x0) / POINTS_PER_MM),
    y: Math.round((r[1] - y0) / POINTS_PER_MM),
  });
}

function fromPlacementFields() {
  const [x, y, w, hh] = ['rx', 'ry', 'rw', 'rh'].map(num);
  if ([x, y, w, hh].some((n) => !Number.isFinite(n)) || w < 1 || hh < 1) return;
  // The fields are user space; the viewer's size is the stamp upright (swapped on a quarter-turned page).
  const upright = viewer.quarter ? [hh, w] : [w, hh];
  const sizeChanged = upright[0] !== viewer.size[0] || upright[1] !== viewer.size[1];
  viewer.size = upright;
  viewer.setRect([x, y, w, hh]);
  if (sizeChanged) schedulePreview();
  const p = Math.trunc(num('page'));
  if (shown >= 0 && p >= 1 && p !== viewer.pageNo) void showFile(shown, p);
}

function appearanceOptions() {
  /** @type {Record<string, string>} */
  const texts = {};
  if (value('signer-name')) texts.signerName = value('signer-name');
  if (value('signer-title')) texts.title = value('signer-title');
  if (value('organization')) texts.organization = value('organization');
  return { kind: /** @type {HTMLSelectElement} */ (byId('appearance-kind')).value, ...(Object.keys(texts).length ? { texts } : {}) };
}

let previewTimer = 0;
function schedulePreview() {
  clearTimeout(previewTimer);
  byId('stamp-box').dataset.preview = 'loading';
  previewTimer = window.setTimeout(() => void refreshPreview(), 250);
}

async function refreshPreview() {
  if (radio('placement') !== 'visible' || auth().kind === 'none') {
    byId('stamp-box').dataset.preview = 'off';
    return;
  }
  const fd = new FormData();
  fd.append('options', JSON.stringify({ width: viewer.size[0], height: viewer.size[1], appearance: appearanceOptions() }));
  const image = input('image').files?.[0];
  if (image) fd.append('image', image, image.name);
  try {
    const res = await authFetch('/api/v1/sign/stamp-preview', { method: 'POST', body: fd, headers: { Accept: 'application/pdf' } });
    await viewer.setPreview(await openPdf(new Uint8Array(await res.arrayBuffer())));
    byId('stamp-box').dataset.preview = 'ready';
  } catch (e) {
    const p = e instanceof ApiError ? e.problem : null;
    byId('stamp-box').dataset.preview = 'failed';
    setText(byId('stamp-where'), 'ws.previewFailed', { detail: p?.detail || p?.title || String(e) });
  }
}

// ——— signing ———

function commonOptions() {
  /** @type {Record<string, unknown>} */
  const o = { level: value('level') };
  if (value('reason')) o.reason = value('reason');
  if (value('location')) o.location = value('location');
  if (radio('placement') === 'visible' && viewer.rect) {
    o.visible = { page: viewer.pageNo, rect: viewer.rect };
    o.appearance = appearanceOptions();
  }
  return o;
}

function step(item, pct, key) {
  item.bar.value = pct;
  item.row.dataset.state = key;
  setText(item.state, key);
}

/** The server's limit of documents per authorization (src/http/routes/signing-authorizations.ts). */
const MAX_AUTHORIZED = 500;

/**
 * One PIN check for `documents` signatures: the server answers an authorization id that signs
 * without the PIN until it is used up, revoked or expired. The lifetime is short and grows with
 * the batch (a minute, plus five seconds per file: uploads on a slow link), so a tab closed in
 * the middle of a batch leaves nothing usable for long. A wrong PIN fails here (and counts
 * towards the lock once), before any file is sent.
 * @returns {Promise<{ credentialId: string, authorizationId: string }>}
 */
async function openAuthorization(credentialId, pin, documents) {
  const res = await authFetch(`/api/v1/credentials/${encodeURIComponent(credentialId)}/authorizations`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ pin, documents, ttlSeconds: Math.min(3600, 60 + 5 * documents) }),
  });
  const { authorizationId } = await res.json();
  return { credentialId, authorizationId };
}

/** Ends the authorization early (its unused units can no longer sign); also when the tab closes. */
function revokeAuthorization(a, keepalive = false) {
  const url = `/api/v1/credentials/${encodeURIComponent(a.credentialId)}/authorizations/${encodeURIComponent(a.authorizationId)}`;
  return authFetch(url, { method: 'DELETE', keepalive }).catch(() => undefined);
}

/** @type {{ credentialId: string, authorizationId: string } | null} */
let openAuthorizationNow = null;

/**
 * POST /api/v1/sign/batch requests in flight at once (a browser opens up to six connections per
 * host): while the server signs one request's files, the next request's files are already
 * uploading and being parsed.
 */
const CREDENTIAL_IN_FLIGHT = 2;

/**
 * Signs `group` with the authorization in one POST /api/v1/sign/batch. Resolves with one result
 * per file, in order: the signed PDF or that file's own error (a damaged PDF fails alone). A
 * refusal of the whole request (authorization used up, expired or revoked; session ended) throws.
 * @returns {Promise<Array<{ pdf: Blob } | { error: ApiError }>>}
 */
async function signGroupWithCredential(group, authorization) {
  for (const item of group) step(item, 30, 'ws.fileSigning');
  const options = { ...commonOptions(), signer: { kind: 'credential', authorizationId: authorization.authorizationId } };
  const fd = new FormData();
  fd.append('options', JSON.stringify(options));
  for (const item of group) fd.append('pdf', item.file, item.file.name);
  const image = input('image').files?.[0];
  if (options.appearance && image) fd.append('image', image, image.name);
  const res = await authFetch('/api/v1/sign/batch', { method: 'POST', body: fd, headers: { Accept: BATCH_ANSWER } });
  const results = await batchResults(res);
  return group.map((_, i) => {
    const r = results.find((x) => x.index === i);
    if (r?.ok && r.pdf) return { pdf: r.pdf };
    const e = r?.error ?? { code: 'INTERNAL', message: t('error.unexpected') };
    return { error: new ApiError({ title: t('ws.fileFailed'), detail: e.message, code: e.code }, 200) };
  });
}

/**
 * The batch routes' binary answer (POST /api/v1/sign/batch and /sign/complete/batch with this
 * Accept): a `results` JSON part whose signed items name their application/pdf part — the signed
 * files arrive as they are, with no base64 to encode on the server and decode here.
 */
const BATCH_ANSWER = 'multipart/form-data';

/**
 * Reads a batch answer: one entry per item with its signed PDF (a Blob) or its error.
 * @returns {Promise<Array<{ index: number, ok: boolean, pdf?: Blob, error?: { code: string, message: string } }>>}
 */
async function batchResults(res) {
  const form = await res.formData();
  // A part without a filename is a form field: formData() gives its text.
  const part = form.get('results');
  if (typeof part !== 'string') throw new Error(t('error.unexpected'));
  /** @type {{ results: Array<{ index: number, ok: boolean, file?: string, error?: { code: string, message: string } }> }} */
  const { results } = JSON.parse(part);
  return results.map((r) => {
    const file = r.file ? form.get(r.file) : null;
    return {
      index: r.index,
      ok: r.ok && file instanceof Blob,
      ...(file instanceof Blob ? { pdf: new Blob([file], { type: 'application/pdf' }) } : {}),
      ...(r.error ? { error: r.error } : {}),
    };
  });
}

/** Documents per declared agent batch (src/agent/agent-server.ts MAX_BATCH_ITEMS): one confirmation, one login each. */
const AGENT_BATCH = 100;

/** A refusal of one file in a per-file answer, as an ApiError the page shows like any other. */
function fileError(e) {
  const x = e ?? { code: 'INTERNAL', message: t('error.unexpected') };
  return new ApiError({ title: t('ws.fileFailed'), detail: x.message, code: x.code }, 200);
}

/**
 * The token's batch ("ký hàng loạt"), up to AGENT_BATCH files per declared agent batch: the
 * official confirms the count and the names once and the token logs in once
 * (POST /v1/sign/batches, opened beside the first prepare with the algorithm the agent names for
 * the certificate), then three stages run side by side group after group:
 * POST /api/v1/sign/prepare/batch on the server, POST /v1/sign/batches/{id} on the agent (two
 * calls in flight), POST /api/v1/sign/complete/batch on the server.
 * Each file keeps its own bar and its own error; a refusal that would fail every following file
 * (PIN, the agent refused, the session ended, the agent batch ended) stops the batch, and the
 * files signed so far stay downloadable. The PIN is only ever in the opening request's body.
 * @returns {Promise<void>}
 */
async function signAllWithAgent(todo, cert, pin) {
  let done = 0;
  const status = () => setText(byId('status'), 'ws.signingN', { done, n: todo.length });
  /** Marks `item` finished with `sign`'s outcome; false when the batch must stop. */
  const finish = async (item, sign) => {
    const go = await signOne(item, sign);
    done++;
    status();
    return go;
  };
  status();
  for (let from = 0; from < todo.length; from += AGENT_BATCH) {
    if (!(await signDeclaredBatch(todo.slice(from, from + AGENT_BATCH), cert, pin, finish))) return;
  }
}

/**
 * One declared agent batch for `part`, as a three-stage pipeline over groups (./ws-groups.js tokenGroups).
 * The batch is opened (the official's confirmation, the token's login) beside the first prepare:
 * its algorithm is the one the agent names for the certificate's key, and every prepare asks the
 * server for that one (an agent that names none: opened by the first sign stage with the
 * algorithm the server chose). prepare(g) waits for prepare(g - 1) and for the agent to have
 * signed g - 3; sign(g) for prepare(g) and sign(g - 2), so the agent holds up to two calls of the
 * batch and starts the next group as soon as one is signed, without waiting for this page to
 * answer (it signs them one after the other on the one login, each declared index once);
 * complete(g) for sign(g), complete(g - 1) and prepare(g + 2): the server's work the token waits
 * for (the next groups prepared) goes before the work nobody waits for (embedding signatures
 * made). At most two requests on the server, two on the agent. Resolves false when the batch must
 * stop.
 * @returns {Promise<boolean>}
 */
async function signDeclaredBatch(part, cert, pin, finish) {
  const index = new Map(part.map((item, i) => [item, i]));
  /** @type {Set<Item>} */
  const finished = new Set();
  let go = true;
  /** @type {{ batchId: string, algorithm: string, remaining: number } | null} */
  let batch = null;
  const end = async (item, sign) => {
    finished.add(item);
    if (!(await finish(item, sign))) go = false;
  };
  const failAll = async (list, e) => {
    for (const item of list) await end(item, () => Promise.reject(e));
    go = false;
  };
  /** @param {string} algorithm */
  const open = async (algorithm) => {
    const opened = await openAgentBatch(agent.base, {
      certificateId: cert.id,
      algorithm,
      documentNames: part.map((item) => promptName(item.file.name)),
      ...(pin ? { pin } : {}),
    });
    batch = { batchId: opened.batchId, algorithm, remaining: opened.documents };
    return batch;
  };
  /** @type {string | undefined} */
  const algorithm = cert.algorithm;
  /** @type {Promise<{ batchId: string, algorithm: string, remaining: number }> | null} */
  let opening = algorithm ? open(algorithm) : null;
  // A refusal (wrong PIN, the official said no) is reported by the first sign stage that waits for it.
  opening?.catch(() => undefined);

  /** @returns {Promise<Array<{ item: Item, session: any }> | null>} */
  const prepare = async (group) => {
    for (const item of group) step(item, 20, 'ws.fileUploading');
    let results;
    try {
      // The agent returns raw signature values: at B-B the server then reserves exactly the CMS it will build.
      const options = { ...commonOptions(), ...(algorithm ? { algorithm } : {}), certificates: cert.chain, completion: 'signature' };
      const fd = new FormData();
      fd.append('options', JSON.stringify(options));
      for (const item of group) fd.append('pdf', item.file, item.file.name);
      const image = input('image').files?.[0];
      if (options.appearance && image) fd.append('image', image, image.name);
      const res = await authFetch('/api/v1/sign/prepare/batch', { method: 'POST', body: fd, headers: { Accept: 'application/json' } });
      ({ results } = await res.json());
    } catch (e) {
      await failAll(group, e);
      return null;
    }
    const prepared = [];
    for (const [i, item] of group.entries()) {
      const r = results.find((x) => x.index === i);
      if (r?.ok && r.session) {
        prepared.push({ item, session: r.session });
        step(item, 40, 'ws.fileAgent');
      } else await end(item, () => Promise.reject(fileError(r?.error)));
    }
    return prepared;
  };

  /** @returns {Promise<Array<{ item: Item, session: any, signature: string }> | null>} */
  const sign = async (prepared) => {
    try {
      opening ??= open(prepared[0].session.algorithm);
      const held = await opening;
      const same = [];
      for (const p of prepared) {
        if (p.session.algorithm === held.algorithm) same.push(p);
        else await end(p.item, () => Promise.reject(fileError({ code: 'VALIDATION_FAILED', message: p.session.algorithm })));
      }
      if (!same.length) return [];
      const { signatures, remaining } = await signInAgentBatch(
        agent.base,
        held.batchId,
        same.map((p) => ({ index: index.get(p.item), signedAttributes: p.session.signedAttributes, digest: p.session.digest })),
      );
      // Two calls in flight: the smaller count is the later one.
      held.remaining = Math.min(held.remaining, remaining);
      const signed = same.map((p, i) => ({ ...p, signature: signatures[i] }));
      for (const p of signed) step(p.item, 70, 'ws.fileSigning');
      return signed;
    } catch (e) {
      await failAll(
        prepared.map((p) => p.item).filter((item) => !finished.has(item)),
        e,
      );
      return null;
    }
  };

  const complete = async (signed) => {
    let results;
    try {
      const res = await authFetch('/api/v1/sign/complete/batch', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: BATCH_ANSWER },
        body: JSON.stringify({ items: signed.map((p) => ({ sessionId: p.session.sessionId, signature: p.signature })) }),
      });
      results = await batchResults(res);
    } catch (e) {
      await failAll(
        signed.map((p) => p.item),
        e,
      );
      return;
    }
    for (const [i, p] of signed.entries()) {
      const r = results.find((x) => x.index === i);
      await end(p.item, async () => {
        if (r?.ok && r.pdf) return r.pdf;
        throw fileError(r?.error);
      });
    }
  };

  const groups = tokenGroups(part);
  /** @type {Promise<any>[]} */ const prepares = [];
  /** @type {Promise<any>[]} */ const signs = [];
  /** @type {Promise<any>[]} */ const completes = [];
  for (const [g, group] of groups.entries()) {
    prepares[g] = Promise.all([prepares[g - 1], signs[g - 3]]).then(() => (go ? prepare(group) : null));
    signs[g] = Promise.all([prepares[g], signs[g - 2]]).then(([p]) => (go && p?.length ? sign(p) : null));
  }
  const last = groups.length - 1;
  for (const g of groups.keys()) {
    // Signatures made are always handed to the server, also after a later stage stopped the batch;
    // after the prepare the token waits for (g + 2), which thus does not share the server with it.
    completes[g] = Promise.all([signs[g], completes[g - 1], prepares[Math.min(last, g + 2)]]).then(([s]) =>
      s?.length ? complete(s) : null,
    );
  }
  try {
    await Promise.all(completes);
  } finally {
    // Files never reached wait again; a batch not used up ends now (the token logs out).
    for (const item of part) if (!finished.has(item)) step(item, 0, 'ws.fileWaiting');
    await opening?.catch(() => undefined);
    if (batch && batch.remaining > 0) await endAgentBatch(agent.base, batch.batchId).catch(() => undefined);
  }
  return go;
}

/** @type {Array<any>} */
let agentCerts = [];

async function signAll() {
  const err = byId('error');
  err.hidden = true;
  clear(err);
  byId('done').hidden = true;
  const todo = items.filter((it) => !it.out);
  try {
    if (!todo.length) throw new Error(t('ws.needPdf'));
    const method = radio('method');
    const credentialId = value('credential');
    const pin = method === 'agent' ? input('agent-pin').value : input('pin').value;
    const cert = agentCerts.find((c) => c.id === value('agent-cert'));
    if (method === 'credential' && (!credentialId || !pin)) throw new Error(t('ws.needCredential'));
    if (method === 'agent' && (!agent || !cert)) throw new Error(t('ws.needAgentCert'));
    input('pin').value = '';
    input('agent-pin').value = '';
    /** @type {HTMLButtonElement} */ (byId('sign-button')).disabled = true;
    let done = 0;
    if (method === 'agent') {
      await signAllWithAgent(todo, cert, pin);
    } else {
      // At most MAX_AUTHORIZED files per authorization: a larger batch opens the next one when the
      // previous is used up, with the same PIN (kept in this function only, never stored).
      for (let from = 0; from < todo.length; from += MAX_AUTHORIZED) {
        const part = todo.slice(from, from + MAX_AUTHORIZED);
        setText(byId('status'), 'ws.authorizing');
        const authorization = await openAuthorization(credentialId, pin, part.length);
        openAuthorizationNow = authorization;
        let stopped = false;
        let signed = 0;
        try {
          // CREDENTIAL_IN_FLIGHT requests at a time, each file keeping its own result.
          const groups = credentialGroups(part);
          let next = 0;
          const sender = async () => {
            while (!stopped && next < groups.length) {
              const group = groups[next++];
              setText(byId('status'), 'ws.signingN', { done, n: todo.length });
              let results;
              try {
                results = await signGroupWithCredential(group, authorization);
              } catch (e) {
                // The whole request was refused: the same would happen to every following file.
                stopped = true;
                for (const item of group) await signOne(item, () => Promise.reject(e));
                return;
              }
              for (const [i, item] of group.entries()) {
                const r = results[i];
                const go = await signOne(item, async () => {
                  if ('error' in r) throw r.error;
                  return r.pdf;
                });
                done++;
                if (item.out) signed++;
                if (!go) stopped = true;
              }
            }
          };
          await Promise.all(Array.from({ length: Math.min(CREDENTIAL_IN_FLIGHT, groups.length) }, sender));
        } finally {
          // The authorization ends with the batch. Once every file of it is signed, its budget
          // (one document per file) is spent and the server refuses it already: nothing to revoke.
          openAuthorizationNow = null;
          if (signed < part.length) await revokeAuthorization(authorization);
        }
        if (stopped) break;
      }
    }
    finishBatch();
    updateSignButton();
  } catch (e) {
    showProblem(err, e);
    finishBatch();
    updateSignButton();
  } finally {
    /** @type {HTMLButtonElement} */ (byId('sign-button')).disabled = false;
    setText(byId('status'), null);
  }
}

/** Codes that fail every following file the same way: the batch stops instead of repeating them. */
const STOP_CODES = ['PIN_INVALID', 'KEY_LOCKED', 'CREDENTIAL_LOCKED', 'UNAUTHENTICATED', 'FORBIDDEN', 'AGENT_REFUSED'];

/** Signs one file with `sign`, showing its progress; false when the batch must stop. */
async function signOne(item, sign) {
  const err = byId('error');
  try {
    item.out = await sign();
    step(item, 100, 'ws.fileDone');
    const a = h('a', { href: '#', class: 'file-download' }, t('ws.fileDownload'));
    a.addEventListener('click', (e) => {
      e.preventDefault();
      if (item.out) downloadBlob(item.out, signedName(item.file.name));
    });
    clear(item.link);
    item.link.appendChild(a);
    return true;
  } catch (e) {
    step(item, 0, 'ws.fileFailed');
    item.bar.value = 0;
    showProblem(err, e);
    return !(e instanceof ApiError && STOP_CODES.includes(e.problem.code));
  }
}

function signedName(name) {
  return name.replace(/\.pdf$/i, '') + '-da-ky.pdf';
}

let zipAvailable = false;
function finishBatch() {
  const ok = items.filter((it) => it.out);
  if (!ok.length) return;
  setText(byId('done-text'), 'ws.doneN', { ok: ok.length, n: items.length });
  setText(byId('download-all'), ok.length === 1 ? 'ws.downloadAll' : zipAvailable ? 'ws.downloadZip' : 'ws.downloadEach', { n: ok.length });
  byId('done').hidden = false;
  byId('download-all').focus();
}

async function downloadAll() {
  const ok = items.filter((it) => it.out);
  if (ok.length === 1) return downloadBlob(ok[0].out, signedName(ok[0].file.name));
  if (zipAvailable) {
    const { zipSync } = await import(ZIP_MODULE);
    /** @type {Record<string, Uint8Array>} */
    const files = {};
    for (const it of ok) files[uniqueName(files, signedName(it.file.name))] = new Uint8Array(await it.out.arrayBuffer());
    // Signed PDFs are already compressed where it matters: store, do not deflate again.
    const zip = zipSync(files, { level: 0 });
    return downloadBlob(new Blob([zip], { type: 'application/zip' }), lang() === 'en' ? 'signed-documents.zip' : 'van-ban-da-ky.zip');
  }
  for (const it of ok) downloadBlob(it.out, signedName(it.file.name));
}

function uniqueName(taken, name) {
  let n = name;
  for (let i = 2; n in taken; i++) n = name.replace(/\.pdf$/i, `-${i}.pdf`);
  return n;
}

function updateSignButton() {
  const n = items.filter((it) => !it.out).length;
  setText(byId('sign-button'), n > 1 ? 'ws.signN' : 'ws.sign', { n });
}

// ——— agent ———

async function connectAgent() {
  const state = byId('agent-state');
  setText(state, 'ws.agentSearching');
  byId('pairing').hidden = true;
  byId('agent-ready').hidden = true;
  agent = await findAgent();
  if (!agent) return setText(state, 'ws.agentMissing');
  if (!agent.paired) {
    setText(state, 'ws.agentUnpaired');
    byId('pairing').hidden = false;
    return;
  }
  await loadAgentCertificates();
}

async function loadAgentCertificates() {
  const state = byId('agent-state');
  try {
    agentCerts = await agentCertificates(agent.base);
    const sel = /** @type {HTMLSelectElement} */ (byId('agent-cert'));
    clear(sel);
    for (const c of agentCerts) {
      const name = `${commonName(c)} (${c.token})`;
      sel.appendChild(h('option', { value: c.id }, t('ws.credentialOption', { name, date: vietnamTime(c.notAfter).slice(0, 10) })));
    }
    setText(state, agentCerts.length ? 'ws.agentReady' : 'ws.agentNoCerts');
    byId('agent-ready').hidden = !agentCerts.length;
    fillNameFromCertificate();
  } catch (e) {
    showProblem(byId('error'), e);
  }
}

async function pairAgent() {
  if (!agent) return;
  const code = pairingCode();
  const box = byId('pair-code');
  clear(box);
  box.appendChild(h('span', { class: 'pair-lead' }, t('ws.pairCode')));
  box.appendChild(h('strong', { class: 'pair-digits' }, code));
  box.hidden = false;
  const button = /** @type {HTMLButtonElement} */ (byId('agent-pair'));
  button.disabled = true;
  try {
    await pair(agent.base, code);
    box.hidden = true;
    agent.paired = true;
    byId('pairing').hidden = true;
    await loadAgentCertificates();
  } catch (e) {
    box.hidden = true;
    showProblem(byId('error'), e);
  } finally {
    button.disabled = false;
  }
}

function syncModes() {
  byId('visible-options').hidden = radio('placement') !== 'visible';
  const m = radio('method');
  byId('credential-options').hidden = m !== 'credential';
  byId('agent-options').hidden = m !== 'agent';
  if (m === 'agent' && !agent) void connectAgent();
  fillNameFromCertificate();
}

async function probeZip() {
  try {
    const res = await fetch(ZIP_MODULE, { method: 'HEAD', cache: 'no-store' });
    zipAvailable = res.ok;
  } catch {
    zipAvailable = false;
  }
}

function main() {
  initI18n();
  onLangChange(() => {
    showWho();
    updateSignButton();
    if (viewer.doc && shown >= 0)
      setText(byId('page-label'), 'ws.pageOf', { n: viewer.pageNo, total: viewer.numPages, name: items[shown].file.name });
    syncPlacementFields();
  });
  input('token').value = storedToken();
  byId('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    rememberToken(value('token'));
    void refreshAuth().then(schedulePreview);
  });
  byId('token-clear').addEventListener('click', () => {
    rememberToken('');
    input('token').value = '';
    void refreshAuth();
  });
  const pdfs = input('pdfs');
  pdfs.addEventListener('change', () => {
    addFiles([...(pdfs.files || [])]);
    pdfs.value = '';
  });
  const zone = byId('dropzone');
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('dragover');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragover'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragover');
    addFiles([...(e.dataTransfer?.files || [])].filter((f) => /\.pdf$/i.test(f.name) || f.type === 'application/pdf'));
  });
  byId('prev-page').addEventListener('click', () => void showFile(shown, viewer.pageNo - 1));
  byId('next-page').addEventListener('click', () => void showFile(shown, viewer.pageNo + 1));
  for (const id of ['page', 'rx', 'ry', 'rw', 'rh']) input(id).addEventListener('change', fromPlacementFields);
  for (const id of ['signer-name', 'signer-title', 'organization']) input(id).addEventListener('input', schedulePreview);
  for (const id of ['appearance-kind', 'image']) byId(id).addEventListener('change', schedulePreview);
  byId('credential').addEventListener('change', fillNameFromCertificate);
  byId('agent-cert').addEventListener('change', fillNameFromCertificate);
  input('signer-name').addEventListener('input', () => {
    nameTyped = value('signer-name') !== '';
  });
  for (const el of document.querySelectorAll('input[name="placement"], input[name="method"]')) el.addEventListener('change', syncModes);
  byId('agent-pair').addEventListener('click', () => void pairAgent());
  byId('agent-retry').addEventListener('click', () => void connectAgent());
  byId('sign-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void signAll();
  });
  byId('download-all').addEventListener('click', () => void downloadAll());
  // Closing or leaving the tab in the middle of a batch revokes its authorization at once
  // (keepalive lets the request outlive the page); the short lifetime covers a crash.
  window.addEventListener('pagehide', () => {
    if (openAuthorizationNow) void revokeAuthorization(openAuthorizationNow, true);
  });
  viewer.size = [num('rw'), num('rh')];
  syncModes();
  void probeZip();
  void refreshAuth().then(schedulePreview);
}

main();

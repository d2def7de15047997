/**
 * Officials' signing page: POST /api/v1/sign with a server-held credential + PIN, or two-phase
 * signing for a USB token (POST /api/v1/sign/prepare → the token signs → POST /api/v1/sign/complete).
 * The API token lives in sessionStorage only (gone when the tab closes); the PIN is never stored.
 */
import { h, clear, byId, facts } from './dom.js';
import { t, initI18n, onLangChange, setText } from './i18n.js';
import { apiFetch, showProblem } from './api.js';
import { vietnamTime } from './time.js';

const TOKEN_KEY = 'kyso.apiToken';
/** A4 portrait in PDF points (ISO 216), the size of the placement sketch. */
const A4 = { w: 595, h: 842 };

/** @type {{ sessionId: string, fileName: string } | null} */
let session = null;
let signedUrl = '';

const input = (id) => /** @type {HTMLInputElement} */ (byId(id));
const value = (id) => input(id).value.trim();

function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

/** What the official typed wins over what the tab remembered. */
function token() {
  return input('token').value.trim() || storedToken();
}

function saveToken() {
  const v = input('token').value.trim();
  try {
    if (v) sessionStorage.setItem(TOKEN_KEY, v);
  } catch {
    /* storage disabled: the field still holds it for this page */
  }
  showTokenState();
}

function showTokenState() {
  byId('token-state').textContent = storedToken() ? t('ws.tokenSet') : t('ws.tokenUnset');
}

function radio(name) {
  const el = /** @type {HTMLInputElement | null} */ (document.querySelector(`input[name="${name}"]:checked`));
  return el ? el.value : '';
}

function num(id) {
  const n = Number(value(id));
  return Number.isFinite(n) ? n : NaN;
}

/** The `options` JSON shared by sign and prepare (src/http/routes/signing.ts CommonOptions). */
function commonOptions() {
  /** @type {Record<string, unknown>} */
  const o = { level: value('level') };
  if (value('reason')) o.reason = value('reason');
  if (value('location')) o.location = value('location');
  if (radio('placement') === 'visible') {
    o.visible = { page: num('page'), rect: [num('rx'), num('ry'), num('rw'), num('rh')] };
    /** @type {Record<string, string>} */
    const texts = {};
    if (value('signer-name')) texts.signerName = value('signer-name');
    if (value('signer-title')) texts.title = value('signer-title');
    if (value('organization')) texts.organization = value('organization');
    o.appearance = {
      kind: /** @type {HTMLSelectElement} */ (byId('appearance-kind')).value,
      ...(Object.keys(texts).length ? { texts } : {}),
    };
  }
  return o;
}

function pdfFile() {
  const f = input('pdf').files?.[0];
  if (!f) throw new Error(t('ws.needPdf'));
  return f;
}

function formData(file, options) {
  const fd = new FormData();
  fd.append('options', JSON.stringify(options));
  fd.append('pdf', file, file.name);
  const image = input('image').files?.[0];
  if (options.appearance && image) fd.append('image', image, image.name);
  return fd;
}

/** Splits pasted PEM (several certificates) or base64 lines into the `certificates` array. */
export function splitCertificates(text) {
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (pems) return pems;
  return text
    .split(/\s*\n\s*/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function base64ToHex(b64) {
  const bin = atob(b64);
  let hex = '';
  for (let i = 0; i < bin.length; i++) hex += bin.charCodeAt(i).toString(16).padStart(2, '0');
  return hex;
}

function signedName(name) {
  return name.replace(/\.pdf$/i, '') + '-da-ky.pdf';
}

function begin(key) {
  const err = byId('error');
  err.hidden = true;
  clear(err);
  byId('done').hidden = true;
  setText(byId('status'), key);
}

function fail(e) {
  setText(byId('status'), null);
  showProblem(byId('error'), e);
}

async function finish(res, fileName) {
  const blob = await res.blob();
  if (signedUrl) URL.revokeObjectURL(signedUrl);
  signedUrl = URL.createObjectURL(blob);
  const link = /** @type {HTMLAnchorElement} */ (byId('signed-link'));
  link.href = signedUrl;
  link.download = signedName(fileName);
  setText(byId('status'), 'ws.signedBytes', { n: blob.size });
  byId('done').hidden = false;
  link.focus();
}

async function signWithCredential() {
  try {
    const file = pdfFile();
    begin('ws.signing');
    const options = { ...commonOptions(), signer: { kind: 'credential', credentialId: value('credential-id'), pin: input('pin').value } };
    const res = await apiFetch('/api/v1/sign', {
      method: 'POST',
      body: formData(file, options),
      token: token(),
      headers: { Accept: 'application/pdf' },
    });
    await finish(res, file.name);
  } catch (e) {
    fail(e);
  } finally {
    input('pin').value = '';
  }
}

async function prepare() {
  try {
    const file = pdfFile();
    begin('ws.preparing');
    session = null;
    byId('prepared').hidden = true;
    const options = {
      ...commonOptions(),
      certificates: splitCertificates(/** @type {HTMLTextAreaElement} */ (byId('certificates')).value),
    };
    const res = await apiFetch('/api/v1/sign/prepare', { method: 'POST', body: formData(file, options), token: token() });
    const r = await res.json();
    session = { sessionId: r.sessionId, fileName: file.name };
    const box = byId('prepared-facts');
    clear(box);
    box.appendChild(
      facts([
        [t('ws.sessionId'), h('span', { class: 'mono', id: 'session-id' }, r.sessionId)],
        [t('ws.algorithm'), h('span', { class: 'mono', id: 'prepared-algorithm' }, r.algorithm)],
        [t('ws.hash'), h('span', { class: 'mono' }, r.hash)],
        [t('ws.digestHex'), h('span', { class: 'mono', id: 'digest-hex' }, base64ToHex(r.digest))],
        [t('ws.digestB64'), h('span', { class: 'mono', id: 'digest-b64' }, r.digest)],
        [t('ws.signedAttributes'), h('span', { class: 'mono', id: 'signed-attributes' }, r.signedAttributes)],
        [t('ws.expiresAt'), vietnamTime(r.expiresAt)],
      ]),
    );
    byId('prepared').hidden = false;
    setText(byId('status'), 'ws.prepared');
    /** @type {HTMLTextAreaElement} */ (byId('signature')).focus();
  } catch (e) {
    fail(e);
  }
}

async function complete() {
  try {
    if (!session) throw new Error(t('ws.needPrepare'));
    begin('ws.completing');
    const raw = /** @type {HTMLTextAreaElement} */ (byId('signature')).value.replace(/\s+/g, '');
    const kind = /** @type {HTMLSelectElement} */ (byId('complete-kind')).value === 'cms' ? 'cms' : 'signature';
    const res = await apiFetch('/api/v1/sign/complete', {
      method: 'POST',
      token: token(),
      headers: { 'Content-Type': 'application/json', Accept: 'application/pdf' },
      body: JSON.stringify({ sessionId: session.sessionId, [kind]: raw }),
    });
    await finish(res, session.fileName);
  } catch (e) {
    fail(e);
  }
}

/** Keeps the A4 sketch's stamp box in step with the numeric inputs (PDF origin: bottom left). */
function drawStamp() {
  const stamp = byId('stamp');
  const [x, y, w, hh] = ['rx', 'ry', 'rw', 'rh'].map(num);
  if ([x, y, w, hh].some((n) => !Number.isFinite(n))) return;
  stamp.style.left = `${(x / A4.w) * 100}%`;
  stamp.style.width = `${(w / A4.w) * 100}%`;
  stamp.style.top = `${((A4.h - y - hh) / A4.h) * 100}%`;
  stamp.style.height = `${(hh / A4.h) * 100}%`;
}

function placeFromClick(e) {
  const sheet = byId('sheet');
  const r = sheet.getBoundingClientRect();
  const px = ((e.clientX - r.left) / r.width) * A4.w;
  const py = A4.h - ((e.clientY - r.top) / r.height) * A4.h;
  const w = num('rw');
  const hh = num('rh');
  // The click marks the stamp's top-left corner, kept inside the page.
  input('rx').value = String(Math.round(Math.max(0, Math.min(A4.w - w, px))));
  input('ry').value = String(Math.round(Math.max(0, Math.min(A4.h - hh, py - hh))));
  drawStamp();
}

function syncModes() {
  byId('visible-options').hidden = radio('placement') !== 'visible';
  const m = radio('method');
  byId('credential-options').hidden = m !== 'credential';
  byId('token-options').hidden = m !== 'token';
  drawStamp();
}

function main() {
  initI18n();
  onLangChange(showTokenState);
  const tokenInput = input('token');
  tokenInput.value = storedToken();
  showTokenState();
  byId('token-save').addEventListener('click', saveToken);
  tokenInput.addEventListener('change', saveToken);
  byId('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    saveToken();
  });
  byId('token-clear').addEventListener('click', () => {
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      /* ignore */
    }
    tokenInput.value = '';
    showTokenState();
  });
  for (const el of document.querySelectorAll('input[name="placement"], input[name="method"]')) el.addEventListener('change', syncModes);
  for (const id of ['rx', 'ry', 'rw', 'rh']) input(id).addEventListener('input', drawStamp);
  byId('sheet').addEventListener('click', placeFromClick);
  byId('sign-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (radio('method') === 'credential') void signWithCredential();
  });
  byId('prepare-button').addEventListener('click', () => void prepare());
  byId('complete-button').addEventListener('click', () => void complete());
  syncModes();
}

main();

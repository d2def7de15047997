/**
 * Public lookup of a certified copy (GET /api/v1/copies/lookup) by verification code (the QR
 * code on the copy points here with ?code=) or by authority + year + number, then a local
 * SHA-256 comparison of the citizen's file with the registered copy hash (WebCrypto; the file
 * never leaves the browser).
 */
import { h, clear, byId, dropzone } from './dom.js';
import { t, initI18n, onLangChange, setText } from './i18n.js';
import { apiFetch, showProblem, sha256Hex } from './api.js';
import { renderCopyFacts } from './copy-facts.js';

const LOOKUP_URL = '/api/v1/copies/lookup';

/** @type {Record<string, any> | null} */
let current = null;
/** @type {{ name: string, hex: string } | null} */
let compared = null;

function render() {
  const section = byId('result');
  const box = byId('facts');
  clear(box);
  if (!current) {
    section.hidden = true;
    return;
  }
  box.appendChild(renderCopyFacts(current));
  section.hidden = false;
  renderComparison();
}

function renderComparison() {
  const out = byId('compare-result');
  setText(out, null);
  if (!compared || !current) return;
  const expected = typeof current.copySha256 === 'string' ? current.copySha256.toLowerCase() : null;
  const match = expected !== null && compared.hex === expected;
  out.appendChild(
    h(
      'div',
      { class: match ? 'success' : 'problem', id: 'compare-verdict', 'data-match': String(match) },
      h('p', { class: match ? '' : 'problem-title' }, match ? t('copy.match') : expected ? t('copy.mismatch') : t('copy.noHash')),
      h('p', {}, `${t('copy.yourFile')} (${compared.name}): `, h('span', { class: 'mono', id: 'local-sha256' }, compared.hex)),
      expected ? h('p', {}, `${t('copy.registered')}: `, h('span', { class: 'mono' }, expected)) : null,
    ),
  );
}

async function lookup(query) {
  const status = byId('status');
  const err = byId('error');
  err.hidden = true;
  clear(err);
  current = null;
  compared = null;
  render();
  setText(status, 'copy.searching');
  try {
    const res = await apiFetch(`${LOOKUP_URL}?${new URLSearchParams(query).toString()}`, { headers: { Accept: 'application/json' } });
    const body = await res.json();
    current = body && typeof body.copy === 'object' && body.copy ? body.copy : body;
    setText(status, 'copy.found');
    render();
  } catch (e) {
    setText(status, null);
    showProblem(err, e);
  }
}

async function compare(file) {
  const out = byId('compare-result');
  clear(out);
  setText(out, 'copy.hashing');
  try {
    compared = { name: file.name, hex: await sha256Hex(file) };
    renderComparison();
  } catch (e) {
    setText(out, null);
    showProblem(out, e);
  }
}

function main() {
  initI18n();
  onLangChange(() => render());
  const codeInput = /** @type {HTMLInputElement} */ (byId('code'));
  byId('by-code').addEventListener('submit', (e) => {
    e.preventDefault();
    const code = codeInput.value.trim();
    // Sent as typed: the server normalises and checks the code (LOOKUP_CODE_INVALID).
    void lookup({ code });
  });
  byId('by-number').addEventListener('submit', (e) => {
    e.preventDefault();
    const get = (id) => /** @type {HTMLInputElement} */ (byId(id)).value.trim();
    void lookup({ authority: get('authority'), year: get('year'), number: get('number') });
  });
  dropzone(byId('compare-zone'), /** @type {HTMLInputElement} */ (byId('compare-file')), (f) => void compare(f));
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (code) {
    codeInput.value = code;
    void lookup({ code });
  } else if (params.get('authority') && params.get('year') && params.get('number')) {
    for (const k of ['authority', 'year', 'number']) /** @type {HTMLInputElement} */ (byId(k)).value = params.get(k) ?? '';
    void lookup({ authority: params.get('authority') ?? '', year: params.get('year') ?? '', number: params.get('number') ?? '' });
  }
}

main();

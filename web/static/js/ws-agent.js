/**
 * The official's local signing agent (`kyso agent`, docs/workstation.md) on the loopback
 * interface. The page finds it on the fixed ports (first that answers), pairs once (the agent
 * shows the same code and asks the official), lists the certificates on the USB tokens, and has
 * it sign the signed attributes prepared by POST /api/v1/sign/prepare/batch: in one call
 * (POST /v1/sign/batch), or in a declared batch (POST /v1/sign/batches, then one call per group)
 * so that the token signs one group while the server prepares the next and completes the last.
 */
import { ApiError } from './api.js';
import { t } from './i18n.js';

/** The agent's fixed port and its fallbacks (src/agent/agent-server.ts DEFAULT_AGENT_PORTS). */
export const AGENT_PORTS = [17650, 17651, 17652];

/** `?agent-port=N` names another port (an agent started with --port N). */
function ports() {
  const q = Number(new URLSearchParams(location.search).get('agent-port'));
  return Number.isInteger(q) && q > 0 && q < 65536 ? [q] : AGENT_PORTS;
}

async function call(base, path, init = {}) {
  let res;
  try {
    res = await fetch(base + path, { ...init, mode: 'cors', credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    throw new ApiError({ title: t('ws.agentMissing'), detail: e instanceof Error ? e.message : String(e), code: 'NETWORK' }, 0);
  }
  const j = await res.json().catch(() => ({}));
  if (!res.ok) {
    const title = j.code === 'AGENT_REFUSED' ? t('ws.agentRefused') : t('ws.agentError');
    throw new ApiError({ title, detail: j.detail, code: j.code || `HTTP ${res.status}` }, res.status);
  }
  return j;
}

const del = { method: 'DELETE' };
const post = (body) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** @returns {Promise<{ base: string, paired: boolean } | null>} */
export async function findAgent() {
  for (const port of ports()) {
    const base = 'http://127.0.0.1:' + port;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), 2000);
    try {
      const res = await fetch(base + '/v1/hello', { mode: 'cors', credentials: 'omit', cache: 'no-store', signal: ctl.signal });
      const j = await res.json();
      if (res.ok && j.agent === 'kyso') return { base, paired: j.paired === true };
    } catch {
      /* not this port */
    } finally {
      clearTimeout(timer);
    }
  }
  return null;
}

/**
 * A file's name as the agent's prompt may show it: the agent refuses control, invisible and
 * direction-changing characters (they could make one name read as another), so they are shown
 * as U+FFFD instead of failing the whole batch; longer names are cut to the agent's 300.
 * @param {string} name
 */
export function promptName(name) {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const safe = name.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu, '\ufffd');
  let out = '';
  for (const ch of safe) {
    if (out.length + ch.length > 300) break;
    out += ch;
  }
  return out || '\ufffd';
}

/** Six random digits shown on the page and in the agent: the official pairs only when they match. */
export function pairingCode() {
  const n = crypto.getRandomValues(new Uint32Array(1))[0] % 1000000;
  return String(n).padStart(6, '0');
}

export const pair = (base, code) => call(base, '/v1/pair', post({ code }));
export const agentCertificates = async (base) => (await call(base, '/v1/certificates')).certificates;
/** @param {{ certificateId: string, algorithm: string, signedAttributes: string, digest: string, documentName: string, pin?: string }} body */
export const agentSign = async (base, body) => (await call(base, '/v1/sign', post(body))).signature;
/**
 * Opens a declared batch: the agent asks the official once (the count and the first names), the
 * token logs in once with the PIN, and the login lasts until every declared document is signed,
 * the page ends the batch, it is idle for a minute or a call fails (docs/workstation.md).
 * @param {{ certificateId: string, algorithm: string, documentNames: string[], pin?: string }} body
 * @returns {Promise<{ batchId: string, documents: number, idleSeconds: number }>}
 */
export const openAgentBatch = (base, body) => call(base, '/v1/sign/batches', post(body));
/**
 * Signs some declared documents, each by its index in documentNames (each index once).
 * @param {Array<{ index: number, signedAttributes: string, digest: string }>} items
 * @returns {Promise<{ signatures: string[], remaining: number }>} the signatures in the items' order
 */
export const signInAgentBatch = (base, batchId, items) => call(base, `/v1/sign/batches/${encodeURIComponent(batchId)}`, post({ items }));
/** Ends a declared batch before all its documents were signed (the token logs out). */
export const endAgentBatch = (base, batchId) => call(base, `/v1/sign/batches/${encodeURIComponent(batchId)}`, del);

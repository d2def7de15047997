/**
 * How the officials' workstation (./workstation.js) splits a selection of files into requests:
 * with a server-held credential, groups for POST /api/v1/sign/batch; with a USB token, the groups
 * of its three-stage pipeline (prepare/batch, the agent's signatures, complete/batch). No request
 * carries more than CHUNK_BYTES of files (a larger file goes alone).
 */

/** @typedef {{ file: { size: number } }} Sized */

/**
 * Files per POST /api/v1/sign/batch with a server-held credential (the route takes up to 50): a
 * batch of 50 goes as two requests side by side (workstation.js CREDENTIAL_IN_FLIGHT). The server signs a
 * request's files together (the key opened and the certificate checked once, private-key
 * operations overlapping the next file's preparation), and each request has its own cost besides
 * (authentication, the authorization's budget, the chain checked, one audit event, the HTTP
 * exchange): measured, about 2 ms of server CPU, as much as four files. Groups of 25 put a batch of
 * 50 at about four fifths of the floor's speed, groups of 10 at two thirds. Finer steps of the
 * progress bars would show nothing more: 25 one-page files take the server a few tens of
 * milliseconds, and large files go fewer to a request (CHUNK_BYTES).
 */
export const CREDENTIAL_GROUP_FILES = 25;
/** Bytes per request, well under the server's default 100 MB request limit (a larger file goes alone). */
export const CHUNK_BYTES = 16 * 1024 * 1024;

/**
 * The groups for a server-held credential's batch.
 * @template {Sized} T @param {T[]} list @returns {T[][]}
 */
export function credentialGroups(list) {
  return chunks(list, () => CREDENTIAL_GROUP_FILES);
}

/**
 * Files per POST /api/v1/sign/prepare/batch, per agent call and per POST /api/v1/sign/complete/batch
 * with the token, group g: 5, 15, then 20 each (the routes take up to 50), the last group of 10 or
 * more split so that the last TOKEN_LAST_GROUP_FILES go alone; 50 files go as 5, 15, 20, 5, 5. The first
 * group is small so that the token starts early (the official is asked when the batch opens,
 * beside the first prepare); the second is prepared while the token signs the first. The last
 * one is small because its completion is the one thing nothing overlaps: the token has finished.
 * Groups are not smaller than that because each request has its own cost on the server (the
 * chain checked, one audit event, the HTTP exchange: about as much as four or five files).
 * Measured with a fast token (SoftHSM2), 50 files as 5, 15, 20, 5, 5 signed about a tenth faster
 * than as 5, 15, 20, 10.
 * @param {number} g
 */
export const tokenGroupFiles = (g) => [5, 15][g] ?? 20;
export const TOKEN_LAST_GROUP_FILES = 5;

/**
 * The groups of `list` for the token's pipeline: tokenGroupFiles, and a last group of at least
 * twice TOKEN_LAST_GROUP_FILES split so that its last TOKEN_LAST_GROUP_FILES files go alone (a
 * smaller one stays whole: no group smaller than that in the middle).
 * @template {Sized} T @param {T[]} list @returns {T[][]}
 */
export function tokenGroups(list) {
  const groups = chunks(list, tokenGroupFiles);
  const last = groups.at(-1);
  if (last && last.length >= 2 * TOKEN_LAST_GROUP_FILES)
    groups.splice(-1, 1, last.slice(0, -TOKEN_LAST_GROUP_FILES), last.slice(-TOKEN_LAST_GROUP_FILES));
  return groups;
}

/**
 * The files in groups of at most `sizeOf(g)` files for group g and CHUNK_BYTES (a larger file
 * goes alone).
 * @template {Sized} T @param {T[]} list @param {(g: number) => number} sizeOf @returns {T[][]}
 */
function chunks(list, sizeOf) {
  /** @type {T[][]} */
  const out = [];
  /** @type {T[]} */
  let cur = [];
  let bytes = 0;
  for (const item of list) {
    if (cur.length && (cur.length === sizeOf(out.length) || bytes + item.file.size > CHUNK_BYTES)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(item);
    bytes += item.file.size;
  }
  if (cur.length) out.push(cur);
  return out;
}

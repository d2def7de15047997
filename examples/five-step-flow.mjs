#!/usr/bin/env node
// The province's one-stop flow for one dossier, as a workflow system drives it over HTTP against a
// running `kyso serve` (docs/domain.md, the five steps of an administrative procedure):
//
//   1. receive   (tiếp nhận)  the dossier's draft decision arrives; kyso verifies it carries no signature yet
//   2. appraise  (thẩm định)  signature 1: the official who appraised it
//   3. approve   (phê duyệt)  signature 2: the leader
//   4. seal      (đóng dấu)   signature 3: the agency's seal, applied by its seal custodian
//   5. return    (trả kết quả) a certified copy for the applicant (one register number), and the
//                              final signed PDF, both verified
//
// Workflow systems retry on time-outs. Every creating call here carries an `Idempotency-Key`
// (draft-ietf-httpapi-idempotency-key-header) and is sent three times on purpose: the first
// answer is dropped half way (a simulated time-out), then the same request is retried and sent
// once more. The counts prove nothing was done twice: one signature per step, one register number.
//
//   node examples/five-step-flow.mjs [OUT_DIR]
//
// Environment:
//   KYSO_URL            base URL of `kyso serve` (default http://127.0.0.1:3000)
//   KYSO_FLOW_CONFIG    JSON file with the tokens, credential ids and PINs of the people below;
//                       written by the set-up when missing
//   KYSO_ADMIN_TOKEN    admin token (printed by `kyso init`): with it and no KYSO_FLOW_CONFIG file,
//                       the set-up registers a demo organization, its officials, an authority,
//                       server-held signing credentials (two RA people approve) and their tokens
//   KYSO_FLOW_PDF       the dossier's PDF (default examples/quyet-dinh.pdf)
//
// Plain fetch and FormData (Node 20+); no kyso module is imported, so it runs against any server.
import { randomInt, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BASE = (process.env.KYSO_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
const OUT = process.argv[2] ?? join(tmpdir(), 'kyso-five-step-flow');
const CONFIG = process.env.KYSO_FLOW_CONFIG ?? join(OUT, 'flow-config.json');
mkdirSync(OUT, { recursive: true });

const log = (...a) => console.log(...a);
function fail(message) {
  console.error(`five-step-flow: ${message}`);
  process.exit(1);
}
function check(cond, message) {
  if (!cond) fail(message);
}

// ---- HTTP over fetch ------------------------------------------------------------------------

/** One call; `key` adds the Idempotency-Key (a structured-field string); `dropAnswer` aborts once the answer starts. */
async function send(method, path, { token, json, form, key, dropAnswer = false } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (key) headers['idempotency-key'] = `"${key}"`;
  let body;
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) body = form();
  const abort = new AbortController();
  const res = await fetch(BASE + path, { method, headers, body, signal: abort.signal });
  if (dropAnswer) {
    // the time-out: the server did the work, the client never reads the answer
    abort.abort();
    return undefined;
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: res.headers, bytes, json: /json/.test(type) && bytes.length ? JSON.parse(bytes) : undefined };
}

/** Sends again while the first request with the key still runs (409 IDEMPOTENCY_IN_PROGRESS), honouring Retry-After. */
async function untilAnswered(call) {
  for (let i = 0; ; i++) {
    const r = await call();
    if (r.status !== 409 || r.json?.code !== 'IDEMPOTENCY_IN_PROGRESS' || i > 600) return r;
    await new Promise((ok) => setTimeout(ok, 1000 * Number(r.headers.get('retry-after') ?? 1)));
  }
}

/**
 * A creating call as a workflow system with retries makes it: the first attempt's answer is lost,
 * the retry (same key, same request) receives it, and a duplicate send receives it once more.
 */
async function retried(label, method, path, o, expected) {
  const key = randomUUID();
  await send(method, path, { ...o, key, dropAnswer: true });
  const first = await untilAnswered(() => send(method, path, { ...o, key }));
  check(first.status === expected, `${label}: expected ${expected}, got ${first.status} ${first.bytes.toString('utf8').slice(0, 300)}`);
  const again = await untilAnswered(() => send(method, path, { ...o, key }));
  check(again.status === expected, `${label}: the duplicate got ${again.status}`);
  check(again.headers.get('idempotent-replayed') === 'true', `${label}: the duplicate was not answered from the stored answer`);
  check(again.bytes.equals(first.bytes), `${label}: the duplicate's answer differs from the first`);
  return first;
}

/** Set-up calls: one send with a key (a retry would be answered the same), or fail. */
async function must(label, method, path, o, expected) {
  const r = await send(method, path, { ...o, key: randomUUID() });
  check(r.status === expected, `${label}: expected ${expected}, got ${r.status} ${r.bytes.toString('utf8').slice(0, 300)}`);
  return r;
}

const pdfForm =
  (pdf, options, extra = {}) =>
  () => {
    const fd = new FormData();
    fd.append('pdf', new Blob([pdf], { type: 'application/pdf' }), 'ho-so.pdf');
    fd.append('options', JSON.stringify(options));
    for (const [name, [bytes, type, file]] of Object.entries(extra)) fd.append(name, new Blob([bytes], { type }), file);
    return fd;
  };

async function verify(pdf) {
  const fd = new FormData();
  fd.append('pdf', new Blob([pdf], { type: 'application/pdf' }), 'check.pdf');
  const r = await send('POST', '/api/v1/verify', { form: () => fd });
  check(r.status === 200, `verify: ${r.status} ${r.bytes.toString('utf8').slice(0, 300)}`);
  return r.json;
}

// ---- set-up (once per server): people, certificates, credentials, tokens --------------------

async function setup(admin) {
  const digits = (n) => Array.from({ length: n }, () => randomInt(10)).join('');
  // The commune's superior (the district / province department) manages it: its RA officer
  // approves the commune's own seal certificate, the commune's RA officer its officials'.
  const superior = (
    await must(
      'register the superior agency',
      'POST',
      '/api/v1/organizations',
      { token: admin, json: { subject: { commonName: 'Sở Nội vụ Demo', uids: ['MST:5700100224'] } } },
      201,
    )
  ).json;
  const org = (
    await must(
      'register the organization',
      'POST',
      '/api/v1/organizations',
      {
        token: admin,
        json: { subject: { commonName: 'Ủy ban nhân dân xã Demo', uids: ['MST:5700100217'] }, managingOrganizationId: superior.id },
      },
      201,
    )
  ).json;
  const official = async (label, commonName, title) =>
    (
      await must(
        `register ${label}`,
        'POST',
        '/api/v1/officials',
        {
          token: admin,
          json: { subject: { commonName, uids: [`CCCD:0221980${digits(5)}`], title }, managingOrganizationId: org.id },
        },
        201,
      )
    ).json.id;
  const appraiser = await official('the appraiser', 'Nguyễn Thị Hằng', 'Chuyên viên');
  const leader = await official('the leader', 'Trần Văn Minh', 'Chủ tịch');
  const clerk = await official('the seal custodian', 'Lê Thị Thu', 'Văn thư');
  const authorityId = `xa-demo-${digits(4)}`;
  await must(
    'register the certifying authority',
    'POST',
    '/api/v1/authorities',
    {
      token: admin,
      json: {
        id: authorityId,
        name: 'Ủy ban nhân dân xã Demo',
        place: 'xã Demo, tỉnh Quảng Ninh',
        organizationId: org.id,
        sealCustodianId: clerk,
      },
    },
    201,
  );
  const token = async (role, scope) =>
    (await must(`token ${role}`, 'POST', '/api/v1/tokens', { token: admin, json: { role, ...scope } }, 201)).json.token;
  const raOfficer = await token('ra-officer', { organizationId: org.id });
  const raSuperior = await token('ra-officer', { organizationId: superior.id });
  const signer = (officialId) => token('signer', { organizationId: org.id, officialId });
  // Dual control: the admin asks, the organization's RA officer approves, the holder sets the PIN.
  const certificate = async (subscriberId, approver = raOfficer) => {
    const req = await must(
      'certificate request',
      'POST',
      '/api/v1/requests',
      {
        token: admin,
        json: { kind: 'new', subscriberId, keySpec: { type: 'ec', curve: 'P-256' } },
      },
      201,
    );
    await must('approve the request', 'POST', `/api/v1/requests/${req.json.id}/approve`, { token: approver, json: {} }, 200);
    const done = await must(
      'issue with a server-held key',
      'POST',
      `/api/v1/requests/${req.json.id}/complete`,
      {
        token: admin,
        json: { keepKey: true, pkcs12Password: randomUUID() },
      },
      200,
    );
    return done.json.certificate.id;
  };
  const credential = async (certificateId, ownerId, holderToken, pin, approver) => {
    const req = await must('credential request', 'POST', '/api/v1/credentials', { token: admin, json: { certificateId, ownerId } }, 202);
    const ok = await must('approve the credential', 'POST', `/api/v1/credential-requests/${req.json.id}/approve`, { token: approver }, 200);
    await send('POST', `/api/v1/credentials/${ok.json.credentialId}/activate`, {
      token: holderToken,
      json: { activationCode: ok.json.activationCode, pin },
    }).then((r) => check(r.status === 200, `activate: ${r.status} ${r.bytes.toString('utf8').slice(0, 200)}`));
    return ok.json.credentialId;
  };
  const person = async (officialId, subscriberId = officialId, approver = raOfficer) => {
    log(`  ${officialId}: signer token, certificate with a server-held key, credential with a PIN`);
    const t = await signer(officialId);
    const pin = digits(6);
    return { token: t, pin, credentialId: await credential(await certificate(subscriberId, approver), officialId, t, pin, approver) };
  };
  const cfg = {
    authorityId,
    appraiser: await person(appraiser),
    leader: await person(leader),
    // the organization's certificate, held by the seal custodian the authority names
    seal: await person(clerk, org.id, raSuperior),
    auditor: await token('auditor', { organizationId: org.id }),
  };
  // The appraiser also certifies copies for the authority, with the same credential.
  cfg.certifier = {
    token: await token('certifier', { organizationId: org.id, authorityId, officialId: appraiser }),
    credentialId: cfg.appraiser.credentialId,
    pin: cfg.appraiser.pin,
  };
  const patch = await send('PATCH', `/api/v1/authorities/${authorityId}`, {
    token: admin,
    json: { sealCredentialId: cfg.seal.credentialId },
  });
  check(patch.status === 200, `authority seal: ${patch.status}`);
  const stamp = new FormData();
  stamp.append('sealImage', new Blob([readFileSync(join(here, 'seal.png'))], { type: 'image/png' }), 'seal.png');
  stamp.append('settings', '{}');
  check((await send('PUT', `/api/v1/authorities/${authorityId}/stamps`, { token: admin, form: () => stamp })).status === 200, 'seal image');
  const sig = new FormData();
  sig.append('signatureImage', new Blob([readFileSync(join(here, 'signature.png'))], { type: 'image/png' }), 'signature.png');
  const put = await send('PUT', `/api/v1/credentials/${cfg.appraiser.credentialId}/signature-image`, { token: admin, form: () => sig });
  check(put.status === 204, `signature image: ${put.status}`);
  return cfg;
}

// ---- the five steps ---------------------------------------------------------------------------

let cfg;
if (existsSync(CONFIG)) cfg = JSON.parse(readFileSync(CONFIG, 'utf8'));
else {
  const admin = process.env.KYSO_ADMIN_TOKEN;
  if (!admin) fail(`no ${CONFIG}: set KYSO_ADMIN_TOKEN (from \`kyso init\`) to create the demo people, or KYSO_FLOW_CONFIG`);
  log(`set-up: demo organization, officials, credentials and tokens on ${BASE}`);
  cfg = await setup(admin);
  writeFileSync(CONFIG, JSON.stringify(cfg, null, 2), { mode: 0o600 });
}

const dossier = readFileSync(process.env.KYSO_FLOW_PDF ?? join(here, 'quyet-dinh.pdf'));

// 1. receive: the draft is readable and not yet signed (verify is read-only: retrying it is harmless)
const received = await verify(dossier);
check(received.signatures.length === 0, 'the received draft is already signed');
log('1. receive   : the draft decision, no signature yet');

/** Signs with a person's server-held credential; exactly one more signature afterwards. */
async function signStep(n, label, who, pdf, appearance) {
  const signed = await retried(
    label,
    'POST',
    '/api/v1/sign',
    {
      token: who.token,
      form: pdfForm(pdf, { signer: { kind: 'credential', credentialId: who.credentialId, pin: who.pin }, ...appearance }),
    },
    200,
  );
  const report = await verify(signed.bytes);
  check(report.signatures.length === n, `${label}: ${report.signatures.length} signatures after step, expected ${n}`);
  check(signed.bytes.subarray(0, pdf.length).equals(pdf), `${label}: the earlier revision was not kept byte for byte`);
  writeFileSync(join(OUT, `${n + 1}-${label}.pdf`), signed.bytes);
  log(`${n + 1}. ${label.padEnd(9)} : signature ${n} added once (3 sends, 1 dropped answer, same bytes)`);
  return signed.bytes;
}

const appraised = await signStep(1, 'appraise', cfg.appraiser, dossier, { reason: 'Thẩm định hồ sơ' });
const approved = await signStep(2, 'approve', cfg.leader, appraised, { reason: 'Phê duyệt' });
const sealed = await signStep(3, 'seal', cfg.seal, approved, { reason: 'Đóng dấu cơ quan' });

// 5. return: a certified copy of the result for the applicant, one register number however often sent
const entries = async () => {
  const r = await send('GET', `/api/v1/copies?authority=${encodeURIComponent(cfg.authorityId)}&limit=1000`, { token: cfg.auditor });
  check(r.status === 200, `list the register: ${r.status}`);
  return r.json.items;
};
const before = await entries();
const copyForm = () => {
  const fd = new FormData();
  fd.append('original', new Blob([sealed], { type: 'application/pdf' }), 'ket-qua.pdf');
  fd.append(
    'request',
    JSON.stringify({
      authorityId: cfg.authorityId,
      requesterName: 'Phạm Văn Nam',
      requesterIdDocument: 'CCCD 022090001234',
      documentType: 'Quyết định',
      documentTitle: 'Quyết định cấp giấy phép xây dựng',
      documentIssuer: 'Ủy ban nhân dân xã Demo',
      copies: 1,
      certifier: { credentialId: cfg.certifier.credentialId, title: 'Công chức Tư pháp - Hộ tịch', pin: cfg.certifier.pin },
      seal: { pin: cfg.seal.pin },
    }),
  );
  return fd;
};
const copy = await retried('return', 'POST', '/api/v1/copies', { token: cfg.certifier.token, form: copyForm }, 200);
const after = await entries();
check(after.length === before.length + 1, `return: ${after.length - before.length} register entries made, expected 1`);
const number = copy.headers.get('x-kyso-copy-number');
check(
  after.some((e) => String(e.number) === number),
  'return: the copy number is not in the register',
);
writeFileSync(join(OUT, '5-ban-sao.pdf'), copy.bytes);
writeFileSync(join(OUT, '5-ket-qua.pdf'), sealed);
const final = await verify(sealed);
check(final.signatures.length === 3, 'return: the final PDF does not carry three signatures');
const copied = await verify(copy.bytes);
check(copied.signatures.length >= 2, 'return: the certified copy lacks the certifier and seal signatures');
log(
  `5. return    : copy no. ${number}/${copy.headers.get('x-kyso-copy-year')} (one register entry), lookup ${copy.headers.get('x-kyso-lookup-code')}`,
);
log(`   final PDF : ${final.signatures.length} signatures, indication ${final.indication}`);
log(`files in ${OUT}`);

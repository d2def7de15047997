import type { CaRecord, CertificateRecord, CrlRecord, RequestRecord, SubscriberRecord } from '../pki/ports.js';

/**
 * JSON views of domain records, shared by the HTTP API and `kyso … --json`. They omit key URIs,
 * CSR bytes and anything else callers do not need; DER is given as base64 only when asked.
 */
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function certificateView(c: CertificateRecord, o: { withDer?: boolean } = {}): Record<string, unknown> {
  return {
    id: c.id,
    caId: c.caId,
    serial: c.serial,
    profile: c.profile,
    subjectDn: c.subjectDn,
    status: c.status,
    notBefore: iso(c.notBefore),
    notAfter: iso(c.notAfter),
    revocationReason: c.revocationReason,
    revokedAt: iso(c.revokedAt),
    invalidityDate: iso(c.invalidityDate),
    subscriberId: c.subscriberId,
    requestId: c.requestId,
    replacesId: c.replacesId,
    serverHeldKey: c.keyUri !== null,
    createdAt: iso(c.createdAt),
    ...(o.withDer && c.der ? { der: c.der.toString('base64') } : {}),
  };
}

export function caView(c: CaRecord): Record<string, unknown> {
  return {
    id: c.id,
    kind: c.kind,
    parentId: c.parentId,
    subjectDn: c.subjectDn,
    serial: c.serial,
    notBefore: iso(c.notBefore),
    notAfter: iso(c.notAfter),
    status: c.status,
    certificateUrl: `/pki/ca/${c.id}.crt`,
    ...(c.kind === 'root' || c.kind === 'issuing' ? { crlUrl: `/pki/crl/${c.id}.crl` } : {}),
  };
}

export function crlView(r: CrlRecord): Record<string, unknown> {
  return {
    caId: r.caId,
    crlNumber: r.crlNumber,
    thisUpdate: iso(r.thisUpdate),
    nextUpdate: iso(r.nextUpdate),
    entryCount: r.entryCount,
    url: `/pki/crl/${r.caId}.crl`,
  };
}

export function subscriberView(s: SubscriberRecord): Record<string, unknown> {
  return {
    id: s.id,
    kind: s.kind,
    managingOrganizationId: s.managingOrganizationId,
    name: s.name,
    subject: s.subject,
    identifiers: s.identifiers,
    email: s.email,
    position: s.position,
    status: s.status,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}

export function requestView(r: RequestRecord): Record<string, unknown> {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    subscriberId: r.subscriberId,
    profile: r.profile,
    caId: r.caId,
    certificateId: r.certificateId,
    hasCsr: r.csrDer !== null,
    params: r.params,
    requestedBy: r.requestedBy,
    requestedAt: iso(r.requestedAt),
    decidedBy: r.decidedBy,
    decidedAt: iso(r.decidedAt),
    decisionNote: r.decisionNote,
    resultCertificateId: r.resultCertificateId,
    completedAt: iso(r.completedAt),
    failureReason: r.failureReason,
  };
}

import type { NewRegisterEntry } from '../../../../src/copies/ports.js';

export function newEntry(authorityId: string, lookupCode: string, certifiedAt = new Date('2026-05-04T02:00:00.000Z')): NewRegisterEntry {
  return {
    authorityId,
    registerType: 'SCT/BS',
    lookupCode,
    certifierId: 'certifier-1',
    requesterName: 'Trần Thị Bình',
    requesterIdDocument: 'CCCD:022123456789',
    documentType: 'Giấy khai sinh',
    documentTitle: 'Bản chính giấy khai sinh',
    documentIssuer: 'UBND phường Hồng Gai',
    originalSha256: 'cd'.repeat(32),
    originalPages: 3,
    copies: 2,
    feePerCopy: 5000,
    feeTotal: 10000,
    certifiedAt,
  };
}

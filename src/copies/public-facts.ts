import type { EntryStatus, RegisterEntryRecord } from './ports.js';
import { certificationNumberLabel, volumeLabel } from './register-labels.js';
import { isoVietnam } from '../core/vietnam-time.js';

/**
 * What the public lookup may show about a register entry: enough for a citizen or a receiving
 * agency to confirm the copy exists and its bytes match, and nothing personal (no requester
 * name or ID document, no certifier id). Failed entries are shown as annulled to the public.
 */
export interface PublicCopyFacts {
  readonly authority: string;
  readonly authorityId: string;
  readonly year: number;
  readonly number: number;
  readonly numberLabel: string;
  readonly volumeLabel: string;
  readonly certifiedAt: string;
  readonly documentType: string;
  readonly documentTitle: string;
  readonly originalPages: number;
  readonly copies: number;
  readonly copySha256: string | null;
  readonly status: 'valid' | 'annulled' | 'pending';
  readonly lookupCode: string;
  readonly lookupUrl: string;
}

/**
 * What a lookup by authority, year and number shows: only whether that number exists and its
 * status. Register numbers are sequential, so anyone can walk them; the document's facts need
 * the verification code printed on the copy (the holder of the copy has it, a crawler does not).
 */
export interface PublicCopyStatus {
  readonly authorityId: string;
  readonly year: number;
  readonly number: number;
  readonly numberLabel: string;
  readonly status: PublicCopyFacts['status'];
}

export function publicStatusOnly(e: RegisterEntryRecord): PublicCopyStatus {
  return {
    authorityId: e.authorityId,
    year: e.year,
    number: e.number,
    numberLabel: certificationNumberLabel(e.number),
    status: publicStatus(e.status),
  };
}

function publicStatus(s: EntryStatus): PublicCopyFacts['status'] {
  return s === 'valid' ? 'valid' : s === 'pending' ? 'pending' : 'annulled';
}

export function publicFacts(e: RegisterEntryRecord, authorityName: string, lookupUrl: string): PublicCopyFacts {
  return {
    authority: authorityName,
    authorityId: e.authorityId,
    year: e.year,
    number: e.number,
    numberLabel: certificationNumberLabel(e.number),
    volumeLabel: volumeLabel(e.volume, e.year, e.registerType),
    certifiedAt: isoVietnam(e.certifiedAt),
    documentType: e.documentType,
    documentTitle: e.documentTitle,
    originalPages: e.originalPages,
    copies: e.copies,
    copySha256: e.copySha256,
    status: publicStatus(e.status),
    lookupCode: e.lookupCode,
    lookupUrl,
  };
}

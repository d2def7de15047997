/**
 * The DER/BER reader moved to src/core/der-reader.ts (one reader for cms, pki and the verifier).
 * This re-export only keeps src/signing/subject.ts compiling until it imports from core.
 */
export * from '../core/der-reader.js';

/** One family of attacked files: how to build it from a signed file and what the verifier must say. */
export interface AttackFamily {
  readonly name: string;
  /** Message key the report must carry (errors or warnings of the signature, or of the document). */
  readonly expectedKey: string;
  /** What proves the attacked file is not harmless: different text in a viewer, or an action present. */
  readonly shows: 'text' | 'action';
  build(signed: Buffer): Buffer;
}

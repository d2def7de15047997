import { deepFreeze } from '../core/deep-freeze.js';

/**
 * A route's parsed `options` part kept by its exact text: a workflow system, or the workstation
 * page sending a batch 10 files at a time, sends the same options with every request of a batch,
 * and validating them (zod, in a process where many schemas share its code paths) costs more than
 * the rest of the request's bookkeeping. Only what `keep` accepts is kept (never options holding a
 * PIN or a password), at most `size` texts of at most MAX_KEPT_TEXT characters; what is kept is
 * frozen, since every request that sends the same text receives the same object. Options that
 * fail to parse are never kept, so every refusal comes from the schema, as before.
 */
export function optionsCache<T>(
  parse: (text: string | undefined) => T,
  keep: (parsed: T) => boolean,
  size = 256,
): (text: string | undefined) => T {
  const known = new Map<string, T>();
  return (text) => {
    // Options naming an authorization are a few hundred bytes; a longer text (the part may be up
    // to a megabyte, padded with whitespace) is parsed and not kept, so that a caller cannot make
    // the cache hold `size` large texts.
    if (text === undefined || text.length > MAX_KEPT_TEXT) return parse(text);
    const hit = known.get(text);
    if (hit !== undefined) return hit;
    const parsed = parse(text);
    if (keep(parsed)) {
      if (known.size >= size) known.clear();
      known.set(text, deepFreeze(parsed));
    }
    return parsed;
  };
}

/** The longest options text kept (characters). */
export const MAX_KEPT_TEXT = 4096;

import { deepFreeze } from '../core/deep-freeze.js';

/**
 * A route's parsed `options` part kept by its exact text: a workflow system, or the workstation
 * page sending a batch 10 files at a time, sends the same options with every request of a batch,
 * and validating them (zod, in a process where many schemas share its code paths) costs more than
 * the rest of the request's bookkeeping. Only what `keep` accepts is kept (never options holding a
 * PIN or a password), at most `size` texts; what is kept is frozen, since every request that
 * sends the same text receives the same object. Options that fail to parse are never kept, so
 * every refusal comes from the schema, as before.
 */
export function optionsCache<T>(
  parse: (text: string | undefined) => T,
  keep: (parsed: T) => boolean,
  size = 256,
): (text: string | undefined) => T {
  const known = new Map<string, T>();
  return (text) => {
    if (text === undefined) return parse(text);
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

import type { CompiledQuery, Kysely } from 'kysely';
import type { StoreDialect } from '../config.js';
import type { Database } from '../schema.js';

/**
 * A statement of a hot path (every authenticated request, every certified copy) built with the
 * query builder once per dialect instead of on every call: building and compiling a query costs
 * more CPU than SQLite takes to run it. It is compiled with a marker in place of each named value,
 * the parameter slot of each marker is found once, and a call copies its values into those slots
 * (values the builder put there itself, such as a LIMIT or a constant, stay as compiled). The audit
 * append does the same with its own statements (./audit-statements.ts).
 *
 * Markers stand for scalar values compared with or assigned to a column; never for a list (`in`)
 * or anything the builder would expand or transform.
 */
export interface CompiledStatement<V extends object, R> {
  /** The statement for `db`'s dialect with `values` bound, to run with `db.executeQuery`. */
  bind(db: Kysely<Database>, dialect: StoreDialect, values: V): CompiledQuery<R>;
}

/** Markers typed `never`, so that the builder accepts them wherever a value of the column's type goes. */
export type Markers<V> = { readonly [K in keyof V]: never };

export function compiledStatement<V extends object, R>(
  names: readonly (keyof V & string)[],
  build: (db: Kysely<Database>, dialect: StoreDialect, m: Markers<V>) => { compile(): CompiledQuery<R> },
): CompiledStatement<V, R> {
  const compiled = new Map<StoreDialect, { readonly query: CompiledQuery<R>; readonly slots: readonly number[] }>();
  return {
    bind(db, dialect, values) {
      let t = compiled.get(dialect);
      if (!t) {
        const m = Object.fromEntries(names.map((n) => [n, marker(n)])) as unknown as Markers<V>;
        const query = build(db, dialect, m).compile();
        const index = new Map(names.map((n, i) => [marker(n), i]));
        const slots = query.parameters.map((p) => (typeof p === 'string' ? (index.get(p) ?? -1) : -1));
        for (const [i, n] of names.entries()) if (!slots.includes(i)) throw new Error(`compiled statement: no slot for ${n}`);
        t = { query, slots };
        compiled.set(dialect, t);
      }
      const asCompiled = t.query.parameters;
      const given = values as Record<string, unknown>;
      return { ...t.query, parameters: t.slots.map((v, j) => (v === -1 ? asCompiled[j] : given[names[v]!])) };
    },
  };
}

/** A marker value: unique per name, and never a value a caller binds (it starts with a NUL). */
const marker = (name: string): string => `\u0000stmt:${name}`;

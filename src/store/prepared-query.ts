// A query whose shape never changes, built and compiled by Kysely once and then run with fresh
// values. Kysely builds a frozen operation tree and compiles it to SQL on every call: about a
// tenth of the CPU of an onboarding, which makes some 25 queries, each of them the same SQL text
// every time. Written with the same query builder, type-checked the same way:
//
//   const sessionById = prepareQuery(store.db, (db, p: { id: string }) =>
//     db.selectFrom('sessions').selectAll().where('id', '=', p.id));
//   const row = await sessionById.takeFirst(trx, { id: sessionId });
//
// The builder runs once, at preparation, with a placeholder for each member of `p` it reads;
// each must become a bound parameter of the SQL (checked then, so a query that would inline one
// fails at start-up rather than at run time). A value is therefore a value, never a list whose
// length varies, and never undefined (Kysely reads undefined as "leave this column out": a
// different SQL text).
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';

/** Stands for the member `name` of the values while the query compiles. */
class Placeholder {
  constructor(readonly name: string) {}
}

export class PreparedQuery<DB, Values extends object, Row> {
  readonly #compiled: CompiledQuery<Row>;
  /** for each SQL parameter: the member of the values it takes, or null for a constant */
  readonly #sources: (string | null)[];

  constructor(db: Kysely<DB>, build: (db: Kysely<DB>, p: Values) => Compilable<Row>) {
    const placeholders = new Map<string, Placeholder>();
    const p = new Proxy(
      {},
      {
        get(_target, name) {
          if (typeof name !== 'string') return undefined;
          let placeholder = placeholders.get(name);
          if (!placeholder) placeholders.set(name, (placeholder = new Placeholder(name)));
          return placeholder;
        },
      },
    ) as Values;
    this.#compiled = build(db, p).compile();
    this.#sources = this.#compiled.parameters.map((v) =>
      v instanceof Placeholder ? v.name : null,
    );
    for (const name of placeholders.keys()) {
      if (!this.#sources.includes(name)) {
        throw new Error(
          `prepared query: "${name}" is not a bound parameter of: ${this.#compiled.sql}`,
        );
      }
    }
  }

  /** Runs the query on `db` (the store it was prepared on, or a transaction of that store). */
  execute(db: Kysely<DB>, values: Values): Promise<QueryResult<Row>> {
    const constants = this.#compiled.parameters;
    const parameters: unknown[] = [];
    for (const [i, name] of this.#sources.entries()) {
      const value = name === null ? constants[i] : (values as Record<string, unknown>)[name];
      if (value === undefined) {
        return Promise.reject(new TypeError(`prepared query: no value for "${name}"`));
      }
      parameters.push(value);
    }
    return db.executeQuery({ ...this.#compiled, parameters });
  }

  async rows(db: Kysely<DB>, values: Values): Promise<Row[]> {
    return (await this.execute(db, values)).rows;
  }

  async takeFirst(db: Kysely<DB>, values: Values): Promise<Row | undefined> {
    return (await this.execute(db, values)).rows[0];
  }

  /** The rows an INSERT, UPDATE or DELETE without RETURNING changed. */
  async affected(db: Kysely<DB>, values: Values): Promise<bigint> {
    return (await this.execute(db, values)).numAffectedRows ?? 0n;
  }
}

/** Prepares `build` on `db`'s dialect (see the header). */
export function prepareQuery<DB, Values extends object, Row>(
  db: Kysely<DB>,
  build: (db: Kysely<DB>, p: Values) => Compilable<Row>,
): PreparedQuery<DB, Values, Row> {
  return new PreparedQuery(db, build);
}

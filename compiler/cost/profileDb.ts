/**
 * A profile database: measured seconds of local ops, which override the cost
 * model where an entry matches (FlexFlow measures each op once per input
 * size). An entry is keyed by the device's name, the program's dtype and the
 * op's signature: its kind and attributes, and the local dims of its inputs
 * and output. `meshtype profile` fills one by running each distinct op of a
 * program with torch (compiler/cli/profile.ts). JSON:
 *
 *     { "version": 1, "entries": [{ "device": "A100-SXM4-80GB", "dtype": "bf16",
 *       "key": "einsum [batch=4 seq=8 d_model=16] [d_model=16 d_ff=64] -> [batch=4 seq=8 d_ff=64]",
 *       "seconds": 1.2e-5 }] }
 */
import type { Dim } from "../../dsl/tensor.ts";
import { isDtype, type Dtype } from "../../dsl/dtype.ts";
import { MeshtypeError } from "../../dsl/errors.ts";
import type { OpAttrs } from "../ir/opAttrs.ts";
import { formatDims, formatOpHead } from "../ir/printer.ts";
import type { Op } from "../ir/ir.ts";

/** One measured op. */
export interface ProfileEntry {
  readonly device: string;
  readonly dtype: Dtype;
  /** `profileKey` of the op. */
  readonly key: string;
  readonly seconds: number;
}

/** The database file. */
export interface ProfileDb {
  readonly version: 1;
  readonly entries: readonly ProfileEntry[];
}

/** The signature of an op on one device: kind and attributes, input and output local dims. */
export function profileKey(op: OpAttrs | Op, inputs: readonly (readonly Dim[])[], output: readonly Dim[]): string {
  return `${formatOpHead(op as Op)} ${inputs.map(formatDims).join(" ")} -> ${formatDims(output)}`;
}

/** A parsed, checked database (a bad entry throws a MeshtypeError naming it). */
export function readProfileDb(value: unknown, what: string): ProfileDb {
  const bad = (detail: string): never => {
    throw new MeshtypeError("profile-invalid", `${what}: ${detail}. A profile database is { "version": 1, "entries": [{ "device", "dtype", "key", "seconds" }] }, as meshtype profile writes it.`);
  };
  if (typeof value !== "object" || value === null) return bad("not a JSON object");
  const record = value as Record<string, unknown>;
  if (record.version !== 1) bad(`version ${JSON.stringify(record.version)} is not 1`);
  if (!Array.isArray(record.entries)) return bad(`"entries" is not a list`);
  record.entries.forEach((entry: unknown, index) => {
    const item = entry as Record<string, unknown> | null;
    if (typeof item !== "object" || item === null) bad(`entry ${index} is not an object`);
    const { device, dtype, key, seconds } = item as Record<string, unknown>;
    if (typeof device !== "string" || typeof key !== "string") bad(`entry ${index} needs string "device" and "key"`);
    if (!isDtype(dtype)) bad(`entry ${index} has dtype ${JSON.stringify(dtype)} (fp32 or bf16)`);
    if (typeof seconds !== "number" || !(seconds >= 0) || !Number.isFinite(seconds)) bad(`entry ${index} has seconds ${JSON.stringify(seconds)}`);
  });
  return record as unknown as ProfileDb;
}

/** The entries of one device and dtype, by key. */
export class ProfileLookup {
  private readonly byKey = new Map<string, number>();
  /** How many lookups found an entry (reports say how much of the program was measured). */
  hits = 0;

  constructor(db: ProfileDb | undefined, readonly device: string, readonly dtype: Dtype) {
    for (const entry of db?.entries ?? []) if (entry.device === device && entry.dtype === dtype) this.byKey.set(entry.key, entry.seconds);
  }

  /** Entries that apply. */
  get size(): number {
    return this.byKey.size;
  }

  /** The measured seconds of `key`, if there is an entry. */
  seconds(key: string): number | undefined {
    const found = this.byKey.get(key);
    if (found !== undefined) this.hits++;
    return found;
  }
}

/** The devices a database has entries for (for the message when none matches). */
export function profileDevices(db: ProfileDb): string[] {
  return [...new Set(db.entries.map((entry) => `${entry.device} (${entry.dtype})`))];
}

/**
 * Helpers shared by meshtype's own tests (not part of the public API).
 */
import { MeshtypeError } from "./errors.ts";

/** The message of the `MeshtypeError` that `run` throws, or null when it throws none; any other error is rethrown. */
export function messageOf(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    if (!(error instanceof MeshtypeError)) throw error;
    return error.message;
  }
}

/** A small deterministic generator (mulberry32) of numbers in [0, 1): the same seed, the same sequence. */
export function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

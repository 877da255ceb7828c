/**
 * The counter-based random number generator of the random init ops. Every
 * value depends only on (seed, name, counter), so any device can create its
 * own slice of a global tensor and get the same values as the whole tensor.
 * Only 32-bit integer operations (`Math.imul`, xor, unsigned shifts), so it
 * ports bit-exactly to Python/numpy (uint32 arithmetic):
 *
 * ```text
 * fmix32(h):   h ^= h >>> 16; h = h * 0x85ebca6b; h ^= h >>> 13; h = h * 0xc2b2ae35; h ^= h >>> 16
 *              (murmur3's finalizer; every product is mod 2^32)
 * nameHash:    FNV-1a 32 over the UTF-8 bytes of name: h = 0x811c9dc5; for each byte b: h = (h ^ b) * 0x01000193
 * key1:        fmix32(fmix32(seed) ^ nameHash)             seed: an integer in [0, 2^32)
 * key2:        fmix32(key1 ^ 0x6a09e667)
 * bits(c):     fmix32(fmix32(lo ^ key1) ^ hi ^ key2)      lo = c mod 2^32, hi = floor(c / 2^32)
 * uniform(c):  (bits(c) >>> 8) / 2^24                     in [0, 1), 24 bits
 * ```
 *
 * For the element at global row-major index `i`: a uniform value is
 * `low + (high - low) * uniform(i)`; a normal value is Box–Muller over the
 * counters `2i` and `2i + 1`: `mean + std * sqrt(-2 ln(1 - uniform(2i))) * cos(2 pi uniform(2i + 1))`,
 * computed in float64 and rounded to float32.
 */
import { MeshtypeError } from "../errors.ts";

/** murmur3's 32-bit finalizer: a bijection on uint32 with full avalanche. */
export function fmix32(value: number): number {
  let hash = value | 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

const utf8 = new TextEncoder();

/** FNV-1a 32-bit hash of the UTF-8 bytes of `name`, as uint32. */
export function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (const byte of utf8.encode(name)) hash = Math.imul(hash ^ byte, 0x01000193);
  return hash >>> 0;
}

/** The two keys of the stream of `(seed, name)`. */
export interface StreamKey {
  readonly key1: number;
  readonly key2: number;
}

/** The keys of the stream `(seed, name)`; `seed` must be an integer in [0, 2^32). */
export function streamKey(seed: number, name: string): StreamKey {
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new MeshtypeError("bad-option", `Random init "${name}": seed ${seed} is not an integer in [0, 2^32). Pass a whole number such as 0 or 1234.`);
  }
  if (name === "") throw new MeshtypeError("bad-option", `Random init needs a non-empty name (the parameter it creates), e.g. { seed: 0, name: "w_in" }.`);
  const key1 = fmix32(fmix32(seed) ^ hashName(name));
  return { key1, key2: fmix32(key1 ^ 0x6a09e667) };
}

/** The 32 random bits at `counter` (an integer in [0, 2^53)) of a stream, as uint32. */
export function randomBits(key: StreamKey, counter: number): number {
  const low = counter % 4294967296;
  const high = Math.floor(counter / 4294967296);
  return fmix32(fmix32(low ^ key.key1) ^ high ^ key.key2);
}

/** A uniform value in [0, 1) with 24 random bits, at `counter` of a stream. */
export function uniformAt(key: StreamKey, counter: number): number {
  return (randomBits(key, counter) >>> 8) / 16777216;
}

/** A standard normal value (float64) for element `index`: Box–Muller over counters 2·index and 2·index + 1. */
export function normalAt(key: StreamKey, index: number): number {
  const radius = Math.sqrt(-2 * Math.log(1 - uniformAt(key, 2 * index)));
  return radius * Math.cos(2 * Math.PI * uniformAt(key, 2 * index + 1));
}

/**
 * Cumulative sums over `seq`, built from existing ops: an einsum with a
 * triangular 0/1 matrix made from `iota` and a comparison. There is no cumsum
 * op; on tiny group sizes (GShard's groups) the matrix costs seq^2 and is local.
 */
import { einsum, iota, less, rename, type Tensor } from "meshtype";
import type { DimsWith } from "./dimsWith.ts";

/**
 * `result[b, s, e] = sum over s' < s of x[b, s', e]`: for each position, the
 * sum of the earlier positions of the same batch row (0 at the first). It
 * uses `kv_seq` (a second name for the sequence, of the same size) for the
 * summed positions.
 *
 * @example
 * exclusiveCumsumOverSeq(D, mask); // mask [1, 0, 1, 1] over seq -> [0, 1, 1, 2]
 */
export function exclusiveCumsumOverSeq(
  D: DimsWith<"seq" | "kv_seq">,
  x: Tensor<"batch seq experts">,
): Tensor<"batch seq experts"> {
  const earlier = less.outer(iota(D, "kv_seq"), iota(D, "seq")); // [kv_seq, seq]: 1 where kv_seq < seq
  return einsum(rename(x, "seq", "kv_seq"), earlier, "batch seq experts");
}

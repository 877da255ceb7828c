/**
 * Lowering diagnostics (MT3xxx): programs whose distributed meaning the
 * compiler will not guess. Each message names the op, its operands and the
 * mesh axis; each hint shows the relayout(...) that settles it.
 */
import type { MessageTemplate } from "./diagnostic.ts";

function entry<Args>(code: string, message: (args: Args) => string, hint: (args: Args) => string): MessageTemplate<Args> {
  return { code, message, hint };
}

/** The lowering pass's message table. */
export const loweringMessages = {
  ambiguousSplit: entry<{ op: string; axis: string; operands: string; result: string; dims: string }>(
    "MT3001",
    (a) =>
      `The operands of ${a.op} are split over mesh axis "${a.axis}" along different dims (${a.operands}), ` +
      `and the layout does not split its result ${a.result} over "${a.axis}", so the compiler cannot tell which split to keep.`,
    (a) =>
      `Say which dim of the result goes on "${a.axis}" with relayout, e.g. relayout(result, "${a.dims}:${a.axis}"), ` +
      `or relayout one operand so that only one dim is split over "${a.axis}".`,
  ),
  haloTooLarge: entry<{ op: string; dim: string; axis: string; axisSize: number; rows: number; window: string; windowSize: number; block: number; size: number }>(
    "MT3002",
    (a) =>
      `${a.op} splits "${a.dim}" over mesh axis "${a.axis}", so each device needs ${a.rows} rows of "${a.dim}" from each neighbour ` +
      `(window "${a.window}" has size ${a.windowSize}), but a device holds only ${a.block} (${a.size} over ${a.axisSize} devices): a halo cannot reach past the next device.`,
    (a) =>
      `Make "${a.dim}" at least ${a.rows * a.axisSize} long, split it over a smaller axis, or leave "${a.dim}" unsplit (remove "${a.dim}:${a.axis}" from the layout ` +
      `and split another dim such as the batch).`,
  ),
} as const;

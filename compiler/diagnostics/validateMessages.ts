/**
 * Validation diagnostics (MT2xxx): a layout that cannot hold a value of the
 * program. Each message names the value (its source name or id), its dims,
 * the layout and the mesh axis; each hint says how to change the layout.
 */
import type { MessageTemplate } from "./diagnostic.ts";

function entry<Args>(code: string, message: (args: Args) => string, hint: (args: Args) => string): MessageTemplate<Args> {
  return { code, message, hint };
}

/** What every validation message says about the value it is about. */
interface ValueArgs {
  /** `value "h" (%4)` or `value %4`. */
  readonly value: string;
  /** `[batch=8 d_ff=32]`. */
  readonly dims: string;
  /** The layout string, or the relayout spec, that asks for the state. */
  readonly layout: string;
}

/** The validation pass's message table. */
export const validateMessages = {
  axisReused: entry<ValueArgs & { axis: string; first: string; second: string }>(
    "MT2001",
    (a) => `${a.value} ${a.dims} puts two of its dims, "${a.first}" and "${a.second}", on mesh axis "${a.axis}" under layout "${a.layout}".`,
    (a) => `A tensor can split only one dim over an axis: move "${a.first}" or "${a.second}" to another axis, or leave one of them replicated.`,
  ),
  indivisible: entry<ValueArgs & { dim: string; size: number; notDivided: string; axes: string; devices: number }>(
    "MT2002",
    (a) => `${a.value} ${a.dims}: dim "${a.dim}" has size ${a.size}, which ${a.notDivided} under layout "${a.layout}".`,
    (a) =>
      `Either change the layout to leave "${a.dim}" replicated or put it on other axes, make ${a.dim} a multiple of ${a.devices}, ` +
      `or split it unevenly with "${a.dim}:padded(${a.axes})" (every shard is padded to the size of the largest).`,
  ),
  unknownAxis: entry<ValueArgs & { dim: string; axis: string; axes: string }>(
    "MT2003",
    (a) => `Layout "${a.layout}" for ${a.value} ${a.dims} puts "${a.dim}" on mesh axis "${a.axis}", which the mesh does not have.`,
    (a) => `Use one of the mesh axes: ${a.axes}.`,
  ),
  relayoutUnknownDim: entry<ValueArgs & { dim: string }>(
    "MT2004",
    (a) => `relayout(..., "${a.layout}") names dim "${a.dim}", which ${a.value} ${a.dims} does not have.`,
    (a) => `Name only dims of the tensor in a relayout rule: remove "${a.dim}" or fix its spelling.`,
  ),
} as const;

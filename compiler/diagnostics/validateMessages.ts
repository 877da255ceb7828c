/**
 * Validation diagnostics (MT2xxx): a layout that cannot hold a value of the
 * program. Each is reported once per root cause, where the user wrote the
 * cause: a layout rule, a `dims({...})` or `mesh({...})` entry, or a
 * `relayout(...)` call; the tensors involved are named in the message (by
 * their source names and dims, never by IR ids) and located in notes.
 */
import type { MessageTemplate } from "./diagnostic.ts";

function entry<Args>(code: string, message: (args: Args) => string, hint: (args: Args) => string): MessageTemplate<Args> {
  return { code, message, hint };
}

/** The validation pass's message table. */
export const validateMessages = {
  axisReused: entry<{ program: string; origin: string; first: string; second: string; axis: string; rules: string; count: number; example: string }>(
    "MT2001",
    (a) =>
      `${a.origin} of program \`${a.program}\` puts "${a.first}" and "${a.second}" both on mesh axis "${a.axis}" (${a.rules}), ` +
      `but ${a.count === 1 ? `${a.example} has both dims` : `${a.count} tensors have both dims, e.g. ${a.example}`}.`,
    (a) => `A tensor can split only one dim over an axis: move "${a.first}" or "${a.second}" to another axis, or leave one of them replicated.`,
  ),
  indivisible: entry<{
    program: string; origin: string; dim: string; size: number; notDivided: string; over: string; axes: string; devices: number; subject: string; meshFault: boolean;
  }>(
    "MT2002",
    (a) => `Dim "${a.dim}"${a.subject} has size ${a.size}, which ${a.notDivided}, but ${a.origin} of program \`${a.program}\` splits it over ${a.over}.`,
    (a) =>
      a.meshFault
        ? `Mesh axis ${a.over} has more devices than "${a.dim}" has entries: give it a size that divides ${a.size}, leave "${a.dim}" replicated, ` +
          `or split it unevenly with "${a.dim}:padded(${a.axes})" (every shard is padded to the size of the largest).`
        : `Either change the layout to leave "${a.dim}" replicated or put it on other axes, make ${a.dim} a multiple of ${a.devices}, ` +
          `or split it unevenly with "${a.dim}:padded(${a.axes})" (every shard is padded to the size of the largest).`,
  ),
  unknownAxis: entry<{ program: string; origin: string; dim: string; axis: string; axes: string }>(
    "MT2003",
    (a) => `${a.origin} puts "${a.dim}" on mesh axis "${a.axis}", which the mesh of program \`${a.program}\` does not have.`,
    (a) => `Use one of the mesh axes: ${a.axes}.`,
  ),
  relayoutUnknownDim: entry<{ spec: string; dim: string; value: string }>(
    "MT2004",
    (a) => `relayout(..., "${a.spec}") names dim "${a.dim}", which ${a.value} does not have.`,
    (a) => `Name only dims of the tensor in a relayout rule: remove "${a.dim}" or fix its spelling.`,
  ),
} as const;

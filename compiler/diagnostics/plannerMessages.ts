/**
 * Planner diagnostics (MT52xx: sharding completion and search,
 * compiler/passes/assignShardings): constraints that cannot all hold. Each
 * message names both constraints, where the user wrote them, and the value
 * where they meet; each hint says which constraint to add or change.
 */
import type { MessageTemplate } from "./diagnostic.ts";

function entry<Args>(code: string, message: (args: Args) => string, hint: (args: Args) => string): MessageTemplate<Args> {
  return { code, message, hint };
}

/** The planner's message table. */
export const plannerMessages = {
  conflictingConstraints: entry<{
    first: string; second: string; value: string; made: string; axis: string; firstState: string; secondState: string; layout: string; suggestion: string;
  }>(
    "MT5201",
    (a) =>
      `${a.first} and ${a.second} both reach ${a.value} (made at ${a.made}) and ask for it in different ways on mesh axis "${a.axis}" ` +
      `(${a.firstState}, ${a.secondState}); the layout "${a.layout}" leaves it open, so the compiler cannot tell which to keep.`,
    (a) => `Say which one holds there: relayout the value where it is made (e.g. ${a.suggestion}), or fix the dim in the layout.`,
  ),
  noPlan: entry<{ program: string; layout: string; limit: string; reason: string }>(
    "MT5202",
    (a) => `The planner found no way to lay out program "${a.program}" under layout "${a.layout}" with ${a.limit}: ${a.reason}.`,
    () => "Loosen the layout (open more dims with \", auto\"), add devices or memory, or relayout fewer values.",
  ),
  severalAxes: entry<{ program: string; dim: string; layout: string }>(
    "MT5203",
    (a) => `The planner's search (optimize) does not lay out a dim over several mesh axes or unevenly yet, and the layout "${a.layout}" of program "${a.program}" puts "${a.dim}" so.`,
    (a) => `Keep "${a.dim}" on one axis that divides it in the layout the planner starts from (or leave it open with ", auto"); propagation (meshtype build) handles the layout as written.`,
  ),
} as const;

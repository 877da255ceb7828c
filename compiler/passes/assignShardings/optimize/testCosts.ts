/**
 * A plain cost function for the planner's own tests (not a cost model of any
 * device): compute is one unit per local output element, a conversion moves
 * its collectives' local payload at one unit per element (twice for an
 * all-reduce; a local slice is free). Enough to make choices matter, so that
 * the ILP's optimum can be checked against exhaustive search.
 */
import type { MeshAxis } from "../../../../dsl/mesh.ts";
import type { Dim } from "../../../../dsl/tensor.ts";
import type { Sharding } from "../../../ir/ir.ts";
import { localDimsOf } from "../../../ir/sharding.ts";
import { planConversion } from "../../lower/conversionTable.ts";
import type { PlanCosts } from "./planCosts.ts";

const elements = (dims: readonly Dim[]): number => dims.reduce((product, dim) => product * dim.size, 1);

/** The test cost function on `mesh` (seconds are units here). */
export function elementCosts(mesh: readonly MeshAxis[], communicationWeight = 4): PlanCosts {
  return {
    bytesPerElement: 4,
    opSeconds: (_op, shape, strategy) => elements(localDimsOf(shape.output, strategy.output, mesh)),
    conversionSeconds: (dims: readonly Dim[], from: Sharding, to: Sharding) => {
      let total = 0;
      let current = from;
      for (const step of planConversion(from, to, mesh)) {
        const payload = elements(localDimsOf(dims, current, mesh));
        if (step.attrs.op !== "localSlice") total += communicationWeight * payload * (step.attrs.op === "allReduce" ? 2 : 1);
        current = step.after;
      }
      return total;
    },
  };
}

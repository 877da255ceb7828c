/**
 * The costs `optimize` plans with, from the cost model of compiler/cost (the
 * same functions the simulator prices a step with; docs/simulate.md "API"):
 * an op's time is `kernelSeconds(opWork(op, local inputs, local output))` on
 * the cluster's device at the program's precision; a conversion's time is the
 * sum of `collectiveSeconds` of each collective the conversion table gives,
 * over the placement of its mesh axis on the cluster (a local slice is free).
 */
import type { ClusterSpec } from "../../dsl/cluster.ts";
import type { Dtype } from "../../dsl/dtype.ts";
import type { MeshAxis } from "../../dsl/mesh.ts";
import type { Dim } from "../../dsl/tensor.ts";
import { collectiveSeconds } from "../cost/collectives.ts";
import { kernelSeconds, matmulPrecision } from "../cost/compute.ts";
import { placeMesh } from "../cost/meshPlacement.ts";
import { opWork } from "../cost/opWork.ts";
import type { Sharding } from "../ir/ir.ts";
import { attrsOf } from "../ir/opAttrs.ts";
import { localDimsOf } from "../ir/sharding.ts";
import { classElementBytes } from "../simulate/valueClasses.ts";
import type { PlanCosts } from "../passes/assignShardings/optimize/planCosts.ts";
import { planConversion } from "../passes/lower/conversionTable.ts";

const elements = (dims: readonly Dim[]): number => dims.reduce((product, dim) => product * dim.size, 1);

/** The planner's costs of `mesh` on `cluster` for a program computing in `dtype`. Throws when the mesh does not fit the cluster. */
export function clusterPlanCosts(mesh: readonly MeshAxis[], cluster: ClusterSpec, dtype: Dtype): PlanCosts {
  const placement = placeMesh(mesh, cluster);
  if ("error" in placement) throw new Error(`clusterPlanCosts: ${placement.error}`);
  const elementBytes = classElementBytes("savedActivations", dtype);
  const precision = matmulPrecision(dtype);
  const axisPlacement = new Map(placement.axes.map((axis) => [axis.axis, axis]));
  return {
    bytesPerElement: elementBytes,
    parameterBytesPerElement: classElementBytes("parameters", dtype),
    opSeconds: (op, shape, strategy) => {
      const inputs = shape.operands.map((dims, index) => localDimsOf(dims, strategy.operands[index], mesh));
      return kernelSeconds(opWork(attrsOf(op), inputs, localDimsOf(shape.output, strategy.output, mesh), elementBytes), cluster.device, precision).seconds;
    },
    conversionSeconds: (dims: readonly Dim[], from: Sharding, to: Sharding) => {
      let total = 0;
      let current = from;
      for (const step of planConversion(from, to, mesh)) {
        const kind = step.attrs.op;
        if (kind !== "localSlice" && "axis" in step.attrs) {
          const where = axisPlacement.get(step.attrs.axis);
          if (where !== undefined) total += collectiveSeconds(kind as "allReduce", elementBytes * elements(localDimsOf(dims, current, mesh)), where, cluster).seconds;
        }
        current = step.after;
      }
      return total;
    },
  };
}

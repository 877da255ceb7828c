/**
 * The fixture of the fused ops (dsl/ops/fused.ts) for the decompose and torch
 * tests: normalize over the minor dim and over a leading one, normalizeGrad
 * with its cotangent held in another dim order, and unaryGrad (GELU's backward).
 */
import type { MeshAxis } from "../../dsl/mesh.ts";
import { defineFixture, fixtureLoc as at } from "./fixtures.ts";
import type { TorchPlan } from "./torch/torchCases.ts";

/** normalize over d_model and over seq, normalizeGrad over d_model (g as "seq batch d_model"), geluGrad (g as "d_ff batch"). */
export const fusedOps = defineFixture("fusedOps", { batch: 2, seq: 4, d_model: 4, d_ff: 2 }, (b, dims) => {
  const x = b.param("x", dims("batch seq d_model"), at(2));
  const g = b.param("g", dims("seq batch d_model"), at(2));
  const h = b.param("h", dims("batch d_ff"), at(2));
  const gh = b.param("gh", dims("d_ff batch"), at(2));
  const normalized = b.add({ op: "normalize", dim: "d_model", epsilon: 1e-5 }, [x], { hint: "normalized", loc: at(3) });
  const alongSeq = b.add({ op: "normalize", dim: "seq", epsilon: 0.1 }, [x], { hint: "alongSeq", loc: at(4) });
  const dx = b.add({ op: "normalizeGrad", dim: "d_model", epsilon: 1e-5 }, [x, g], { hint: "dx", loc: at(5) });
  const dh = b.add({ op: "unaryGrad", fn: "gelu" }, [h, gh], { hint: "dh", loc: at(6) });
  const fields = { normalized, alongSeq, dx, dh };
  return { kind: "object", fields: Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, { kind: "tensor" as const, value }])) };
});

const mesh2x2: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 2 }];

/**
 * The fused ops on the 2x2 mesh for the torch tests: fused kernels throughout (the norm dims whole), and with
 * d_model and then seq split (those norms decomposed into sums and all-reduces, the others still fused).
 */
export function fusedPlans(): TorchPlan[] {
  return ["batch:data, d_ff:model", "d_model:model, batch:data", "seq:model, d_ff:data"].map((layout, index) => ({
    name: `fused_ops_2x2_${index}`, global: fusedOps.build(mesh2x2, layout), integers: {},
  }));
}

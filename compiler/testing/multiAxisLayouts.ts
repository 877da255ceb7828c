/**
 * Layouts beyond one axis per dim, for the equivalence suite: dims split over
 * several mesh axes (in either order), and uneven splits (`padded(...)`) of
 * the fixtures at odd sizes. A deterministic sample (seeded) of every such
 * layout that validation accepts keeps the suite lean.
 */
import type { MeshAxis } from "../../dsl/mesh.ts";
import { CompileError } from "../diagnostics/diagnostic.ts";
import { validate } from "../passes/validate.ts";
import { defineFixture, fixtureLoc as at, type Fixture } from "./fixtures.ts";

/** The 2x2 and 2x2x2 meshes of the multi-axis suite. */
export const multiAxisMeshes: readonly (readonly MeshAxis[])[] = [
  [{ name: "data", size: 2 }, { name: "model", size: 2 }],
  [{ name: "data", size: 2 }, { name: "fsdp", size: 2 }, { name: "model", size: 2 }],
];

/** Every ordered choice of distinct axes (of any length, the empty one first). */
function orderedSubsets(axes: readonly string[]): string[][] {
  const found: string[][] = [[]];
  const grow = (prefix: string[]): void => {
    for (const axis of axes) {
      if (prefix.includes(axis)) continue;
      const next = [...prefix, axis];
      found.push(next);
      grow(next);
    }
  };
  grow([]);
  return found;
}

/** A small deterministic generator of integers in [0, n). */
function draws(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % n;
  };
}

/**
 * Up to `count` layouts of `dims` on `mesh` in which some dim is split over
 * two or more axes (no axis used by two dims), drawn with `seed`; with
 * `padded`, every rule is written `padded(...)`.
 */
export function sampleMultiAxisLayouts(dims: readonly string[], mesh: readonly MeshAxis[], count: number, seed: number, padded = false): string[] {
  const choices = orderedSubsets(mesh.map((axis) => axis.name));
  const draw = draws(seed);
  const seen = new Set<string>();
  const layouts: string[] = [];
  for (let attempt = 0; attempt < count * 40 && layouts.length < count; attempt++) {
    const used = new Set<string>();
    const rules: string[] = [];
    // dims in a drawn order, so that every dim gets the first pick of the axes as often
    const order = [...dims];
    for (let index = order.length - 1; index > 0; index--) {
      const other = draw(index + 1);
      [order[index], order[other]] = [order[other], order[index]];
    }
    for (const dim of order) {
      const axes = choices[draw(choices.length)];
      if (axes.length === 0 || axes.some((axis) => used.has(axis))) continue;
      axes.forEach((axis) => used.add(axis));
      const written = axes.length === 1 ? axes[0] : `(${axes.join(", ")})`;
      rules.push(padded ? `${dim}:padded(${axes.join(", ")})` : `${dim}:${written}`);
    }
    const spec = rules.join(", ");
    const several = rules.some((rule) => rule.includes(","));
    if (!several && !padded) continue;
    if (seen.has(spec)) continue;
    seen.add(spec);
    layouts.push(spec);
  }
  return layouts;
}

/** The sampled layouts of `fixture` on `mesh` that pass validation. */
export function validSampledLayouts(fixture: Fixture, mesh: readonly MeshAxis[], count: number, seed: number, padded = false): string[] {
  return sampleMultiAxisLayouts(Object.keys(fixture.sizes), mesh, count * 3, seed, padded).filter((spec) => {
    try {
      validate(fixture.build(mesh, spec));
      return true;
    } catch (error) {
      if (error instanceof CompileError) return false;
      throw error;
    }
  }).slice(0, count);
}

/** Odd sizes for every fixture of the suite: no mesh axis of 2 divides most of them (constraints of each model kept). */
export const oddSizes: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  mlp: { batch: 5, seq: 3, d_model: 3, d_ff: 7 },
  einsumChain: { batch: 5, d_in: 3, d_mid: 7, d_out: 3 },
  reductions: { batch: 5, seq: 3, d_model: 3 },
  softmax: { batch: 3, seq: 5, vocab: 7 },
  heads: { batch: 3, seq: 5, d_model: 3, d_qkv: 6, heads: 3, d_head: 2 },
  relayout: { batch: 5, seq: 5, d_model: 3 },
  layers: { batch: 5, d_model: 3, d_ff: 7 },
  embedding: { batch: 3, seq: 5, vocab: 7, d_model: 3 },
  elementwise: { batch: 5, d_model: 3 },
  convNet: { batch: 3, height: 7, width: 5, c_in: 3, c_out: 5, kh: 3, kw: 3 },
  convValid: { height: 7, batch: 3, width: 5, c_in: 3, c_out: 3, kh: 3, kw: 3 },
  paddingReaders: { batch: 3, d_in: 5, d_out: 3 },
};

/** Sizes that 8 devices divide, for splits over the three axes of the 2x2x2 mesh (constraints of each model kept; windows stay 3). */
export const wideSizes: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  mlp: { batch: 8, seq: 2, d_model: 8, d_ff: 16 },
  einsumChain: { batch: 8, d_in: 8, d_mid: 8, d_out: 8 },
  reductions: { batch: 8, seq: 8, d_model: 2 },
  softmax: { batch: 8, seq: 8, vocab: 8 },
  heads: { batch: 8, seq: 2, d_model: 8, d_qkv: 16, heads: 8, d_head: 2 },
  relayout: { batch: 8, seq: 8, d_model: 8 },
  layers: { batch: 8, d_model: 8, d_ff: 8 },
  embedding: { batch: 8, seq: 2, vocab: 8, d_model: 8 },
  elementwise: { batch: 8, d_model: 8 },
  convNet: { batch: 8, height: 8, width: 8, c_in: 2, c_out: 8, kh: 3, kw: 3 },
  convValid: { height: 8, batch: 8, width: 4, c_in: 8, c_out: 8, kh: 3, kw: 3 },
  paddingReaders: { batch: 8, d_in: 8, d_out: 8 },
};

/** `fixture` at its wide sizes (see `wideSizes`). */
export function atWideSizes(fixture: Fixture): Fixture {
  const sizes = wideSizes[fixture.name];
  if (sizes === undefined) throw new Error(`atWideSizes: no wide sizes for fixture "${fixture.name}"`);
  return { ...fixture, sizes };
}

/** `fixture` at its odd sizes. */
export function atOddSizes(fixture: Fixture): Fixture {
  const sizes = oddSizes[fixture.name];
  if (sizes === undefined) throw new Error(`atOddSizes: no odd sizes for fixture "${fixture.name}"`);
  return { ...fixture, sizes };
}

/**
 * A model whose padding is not zero where reductions and a contraction read
 * it: exp of the input (padding 1 even from zero-padded inputs) contracted
 * over d_in with sigmoid of the weights (padding 1/2), summed, maxed (of
 * values below 0) and minned over d_in. Without masks, its uneven layouts
 * give wrong results.
 */
export const paddingReaders = defineFixture("paddingReaders", { batch: 4, d_in: 4, d_out: 4 }, (b, dims) => {
  const x = b.param("x", dims("batch d_in"), at(2));
  const w = b.param("w", dims("d_in d_out"), at(2));
  const e = b.add({ op: "unary", fn: "exp" }, [x], { hint: "e", loc: at(3) });
  // both operands of the contraction have non-zero padding: exp(0) = 1, sigmoid(0) = 1/2
  const gate = b.add({ op: "unary", fn: "sigmoid" }, [w], { hint: "gate", loc: at(4) });
  const y = b.add({ op: "einsum" }, [e, gate], { out: ["batch", "d_out"], hint: "y", loc: at(4) });
  const top = b.add({ op: "reduce", fn: "max", dims: ["d_in"] }, [b.add({ op: "unary", fn: "neg" }, [e], { loc: at(5) })], { hint: "top", loc: at(5) });
  const low = b.add({ op: "reduce", fn: "min", dims: ["d_in"] }, [e], { hint: "low", loc: at(6) });
  const total = b.add({ op: "reduce", fn: "sum", dims: ["d_in"] }, [e], { hint: "total", loc: at(7) });
  // 3 top + low, not top + low: min(e) = -max(-e) would cancel top
  const tripled = b.add({ op: "binary", fn: "mul", scalar: { value: 3, position: 1 } }, [top], { loc: at(8) });
  const both = b.add({ op: "binary", fn: "add" }, [b.add({ op: "binary", fn: "add" }, [tripled, low], { loc: at(8) }), total], { hint: "both", loc: at(8) });
  return b.add({ op: "binary", fn: "add" }, [y, both], { hint: "out", loc: at(9) });
});

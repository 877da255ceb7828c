/**
 * Compare every rank's local result of a torch run with the eager
 * TypeScript result: each rank must hold exactly its shard of the global
 * result (cut by the program's result sharding), within float tolerance.
 */
import { Mesh } from "../../../dsl/mesh.ts";
import { blockOf, splitAxesOf } from "../../../dsl/runtime/padding.ts";
import { shardTensor } from "../../../dsl/runtime/shard.ts";
import { Tensor } from "../../../dsl/tensor.ts";
import { programMeta, type MetaTree } from "../../backend/ts/meta.ts";
import type { Program } from "../../ir/ir.ts";
import type { TensorTree } from "../interpret.ts";

/** |actual - expected| <= absolute + relative * |expected| for every element. */
export interface Tolerance {
  readonly absolute: number;
  readonly relative: number;
}

/** float32 on both sides, different summation orders: a few ulps of the largest partial sums. */
export const defaultTolerance: Tolerance = { absolute: 1e-4, relative: 1e-4 };

/** What comparing one program found: the largest difference, and the first problems (empty when all ranks match). */
export interface RankComparison {
  readonly worst: number;
  readonly problems: readonly string[];
}

function dimsText(tensor: Tensor<string>): string {
  return `[${tensor.dims.map((dim) => `${dim.name}=${dim.size}`).join(" ")}]`;
}

function pick(tree: TensorTree, segments: readonly string[]): TensorTree | undefined {
  let node: TensorTree | undefined = tree;
  for (const segment of segments) node = node === undefined ? undefined : (node as Record<string, TensorTree>)[segment];
  return node;
}

/** Compare the rank results of `program` (index = rank) with the eager global result `expected`. */
export function compareRanks(program: Program, ranks: readonly TensorTree[], expected: TensorTree, tolerance: Tolerance = defaultTolerance): RankComparison {
  const meta = programMeta(program);
  const mesh = new Mesh({ ...meta.mesh });
  const problems: string[] = [];
  let worst = 0;
  const visit = (tree: MetaTree, segments: readonly string[]): void => {
    if (tree.kind === "array") return tree.items.forEach((item, index) => visit(item, [...segments, String(index)]));
    if (tree.kind === "object") return Object.entries(tree.fields).forEach(([field, item]) => visit(item, [...segments, field]));
    const where = ["result", ...segments].join(".");
    const global = pick(expected, segments);
    if (!(global instanceof Tensor)) throw new Error(`compareRanks: the eager result of "${program.name}" has no tensor at ${where}`);
    const shards = shardTensor(mesh, tree.sharding, global);
    const axesByDim = global.dims.map((dim) => splitAxesOf(dim.name, tree.sharding, mesh.axes));
    ranks.forEach((rankTree, rank) => {
      // an uneven split's padding holds whatever the rank computed there: only the real entries are compared
      const valid = global.dims.map((dim, index) => blockOf(dim.size, axesByDim[index], mesh.coords(rank)).valid);
      const strides = shards[rank].dims.map((_, index) => shards[rank].dims.slice(index + 1).reduce((product, dim) => product * dim.size, 1));
      const actual = pick(rankTree, segments);
      const want = shards[rank];
      if (!(actual instanceof Tensor) || actual.data.length !== want.data.length || actual.dims.some((dim, index) => dim.size !== want.dims[index].size)) {
        problems.push(`${program.name} ${where} rank ${rank}: expected local ${dimsText(want)}, got ${actual instanceof Tensor ? dimsText(actual) : "no tensor"}`);
        return;
      }
      for (let index = 0; index < want.data.length; index++) {
        if (valid.some((length, axis) => Math.floor(index / strides[axis]) % want.dims[axis].size >= length)) continue;
        if (actual.data[index] === want.data[index]) continue;
        const difference = Math.abs(actual.data[index] - want.data[index]);
        const bad = !(difference <= tolerance.absolute + tolerance.relative * Math.abs(want.data[index])) && !(Number.isNaN(actual.data[index]) && Number.isNaN(want.data[index]));
        if (Number.isFinite(difference)) worst = Math.max(worst, difference);
        if (bad && problems.length < 10) {
          problems.push(`${program.name} ${where} rank ${rank}: element ${index} of local ${dimsText(want)} is ${actual.data[index]}, eager TypeScript says ${want.data[index]}`);
        }
      }
    });
  };
  visit(meta.result, []);
  return { worst, problems };
}

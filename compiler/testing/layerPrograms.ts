/**
 * Loops over arrays of layer parameters, for the back ends' tests: one that
 * reads every layer's leaves at the loop index (so the TypeScript back end
 * can write `params.layers[i].mlp.w_in`), and one whose items are not in
 * index order (so it must fall back to a list of items).
 */
import type { ValueId, ValueTree } from "../ir/ir.ts";
import { defineFixture, fixtureLoc } from "./fixtures.ts";

const at = fixtureLoc;

function leaf(tree: ValueTree, ...path: string[]): ValueId {
  const found = path.reduce<ValueTree | undefined>((node, segment) => {
    if (node?.kind === "object") return node.fields[segment];
    if (node?.kind === "array") return node.items[Number(segment)];
    return undefined;
  }, tree);
  if (found?.kind !== "tensor") throw new Error(`layerPrograms: no tensor at ${path.join(".")}`);
  return found.value;
}

/**
 * `params: { layers: { norm, mlp: { w_in, w_out } }[3], final }`: three
 * residual MLP layers in a loop, then `layers[0].norm` read again after it
 * (a leaf used outside the loop too).
 */
export const layerStack = defineFixture("layerStack", { batch: 4, d_model: 4, d_ff: 8 }, (b, dims) => {
  const x = b.param("x", dims("batch d_model"), at(2));
  const layer = {
    kind: "object" as const,
    fields: {
      norm: { kind: "tensor" as const, dims: dims("d_model") },
      mlp: { kind: "object" as const, fields: { w_in: { kind: "tensor" as const, dims: dims("d_model d_ff") }, w_out: { kind: "tensor" as const, dims: dims("d_ff d_model") } } },
    },
  };
  const params = b.addParam("params", {
    kind: "object",
    fields: { layers: { kind: "array", items: [layer, layer, layer] }, final: { kind: "tensor", dims: dims("d_model") } },
  }, at(2));
  const each = (...path: string[]): ValueId[] => [0, 1, 2].map((index) => leaf(params, "layers", String(index), ...path));
  const [out] = b.loop(3, [x], [each("norm"), each("mlp", "w_in"), each("mlp", "w_out")], ({ carried, indexed }) => {
    const [norm, wIn, wOut] = indexed;
    const scaled = b.add({ op: "binary", fn: "mul" }, [carried[0], norm], { hint: "scaled", loc: at(4) });
    const h = b.add({ op: "einsum" }, [scaled, wIn], { out: ["batch", "d_ff"], hint: "h", loc: at(5) });
    const act = b.add({ op: "unary", fn: "relu" }, [h], { hint: "act", loc: at(6) });
    const back = b.add({ op: "einsum" }, [act, wOut], { out: ["batch", "d_model"], hint: "back", loc: at(7) });
    return [b.add({ op: "binary", fn: "add" }, [carried[0], back], { hint: "x", loc: at(8) })];
  }, at(3));
  const shifted = b.add({ op: "binary", fn: "add" }, [out, leaf(params, "layers", "0", "norm")], { hint: "shifted", loc: at(9) });
  return b.add({ op: "binary", fn: "mul" }, [shifted, leaf(params, "final")], { hint: "y", loc: at(10) });
});

/** `layers: Tensor<"d_model d_ff">[3]` read in `order` (last to first, or shuffled: then the items are listed). */
function layersInOrder(name: string, order: readonly number[]) {
  return defineFixture(name, { batch: 4, d_model: 4, d_ff: 8 }, (b, dims) => {
    const x = b.param("x", dims("batch d_model"), at(2));
    const tree = b.addParam("layers", { kind: "array", items: [0, 1, 2].map(() => ({ kind: "tensor" as const, dims: dims("d_model d_ff") })) }, at(2));
    const weights = order.map((index) => leaf(tree, String(index)));
    const [out] = b.loop(3, [x], [weights], ({ carried, indexed }) => {
      const h = b.add({ op: "einsum" }, [carried[0], indexed[0]], { out: ["batch", "d_ff"], hint: "h", loc: at(4) });
      const back = b.add({ op: "einsum" }, [h, indexed[0]], { out: ["batch", "d_model"], hint: "back", loc: at(5) });
      return [b.add({ op: "binary", fn: "add" }, [carried[0], back], { hint: "x", loc: at(6) })];
    }, at(3));
    return out;
  });
}

/** Read last to first (a reverse loop): the back ends read `layers[2 - i]`. */
export const reversedLayers = layersInOrder("reversedLayers", [2, 1, 0]);

/** Read in no index order: the back ends list the items. */
export const shuffledLayers = layersInOrder("shuffledLayers", [1, 0, 2]);

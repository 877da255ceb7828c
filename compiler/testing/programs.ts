/**
 * The fixture programs of the equivalence, golden and byte tests: small models
 * covering einsum chains, reductions, softmax, heads (splitDim/mergeDims),
 * relayout, an MLP, a loop over layers and an embedding lookup.
 */
import { defineFixture, fixtureLoc, type Fixture } from "./fixtures.ts";

const at = fixtureLoc;

/** Megatron MLP: relu(x . w_in) . w_out. */
export const mlp = defineFixture("mlp", { batch: 4, seq: 2, d_model: 4, d_ff: 8 }, (b, dims) => {
  const x = b.param("x", dims("batch seq d_model"), at(2));
  const wIn = b.param("w_in", dims("d_model d_ff"), at(2));
  const wOut = b.param("w_out", dims("d_ff d_model"), at(2));
  const h = b.add({ op: "einsum" }, [x, wIn], { out: ["batch", "seq", "d_ff"], hint: "h", loc: at(3) });
  const r = b.add({ op: "unary", fn: "relu" }, [h], { hint: "r", loc: at(3) });
  return b.add({ op: "einsum" }, [r, wOut], { out: ["batch", "seq", "d_model"], hint: "y", loc: at(4) });
});

/** A chain of einsums with a bias, a scale and lazy partial adds. */
export const einsumChain = defineFixture("einsumChain", { batch: 4, d_in: 4, d_mid: 8, d_out: 4 }, (b, dims) => {
  const x = b.param("x", dims("batch d_in"), at(2));
  const w1 = b.param("w1", dims("d_in d_mid"), at(2));
  const w2 = b.param("w2", dims("d_mid d_out"), at(2));
  const w3 = b.param("w3", dims("d_in d_out"), at(2));
  const bias = b.param("bias", dims("d_out"), at(2));
  const h = b.add({ op: "einsum" }, [x, w1], { out: ["batch", "d_mid"], hint: "h", loc: at(3) });
  const y1 = b.add({ op: "einsum" }, [h, w2], { out: ["batch", "d_out"], hint: "y1", loc: at(4) });
  const y2 = b.add({ op: "einsum" }, [x, w3], { out: ["batch", "d_out"], hint: "y2", loc: at(5) });
  const sum = b.add({ op: "binary", fn: "add" }, [y1, y2], { hint: "sum", loc: at(6) });
  const scaled = b.add({ op: "binary", fn: "mul", scalar: { value: 0.5, position: 1 } }, [sum], { hint: "scaled", loc: at(7) });
  return b.add({ op: "binary", fn: "add" }, [scaled, bias], { hint: "out", loc: at(8) });
});

/** Every reduction, returned as an object tree. */
export const reductions = defineFixture("reductions", { batch: 4, seq: 4, d_model: 2 }, (b, dims) => {
  const x = b.param("x", dims("batch seq d_model"), at(2));
  const total = b.add({ op: "reduce", fn: "sum", dims: ["seq"] }, [x], { hint: "total", loc: at(3) });
  const largest = b.add({ op: "reduce", fn: "max", dims: ["d_model", "seq"] }, [x], { hint: "largest", loc: at(4) });
  const smallest = b.add({ op: "reduce", fn: "min", dims: ["batch"] }, [x], { hint: "smallest", loc: at(5) });
  const average = b.add({ op: "reduce", fn: "mean", dims: ["batch", "seq"] }, [x], { hint: "average", loc: at(6) });
  const lse = b.add({ op: "reduce", fn: "logsumexp", dims: ["seq"] }, [x], { hint: "lse", loc: at(7) });
  const mixed = b.add({ op: "binary", fn: "add" }, [total, lse], { hint: "mixed", loc: at(8) });
  return {
    kind: "object",
    fields: {
      largest: { kind: "tensor", value: largest },
      smallest: { kind: "tensor", value: smallest },
      average: { kind: "tensor", value: average },
      mixed: { kind: "tensor", value: mixed },
    },
  };
});

/** softmax and logSoftmax over different dims. */
export const softmax = defineFixture("softmax", { batch: 2, seq: 4, vocab: 8 }, (b, dims) => {
  const x = b.param("x", dims("batch seq vocab"), at(2));
  const probs = b.add({ op: "softmax", dim: "vocab", log: false }, [x], { hint: "probs", loc: at(3) });
  const logProbs = b.add({ op: "softmax", dim: "seq", log: true }, [x], { hint: "logProbs", loc: at(4) });
  return b.add({ op: "binary", fn: "add" }, [probs, logProbs], { hint: "out", loc: at(5) });
});

/** Split d_qkv into heads, work per head, merge back, project. */
export const heads = defineFixture("heads", { batch: 2, seq: 4, d_model: 4, d_qkv: 8, heads: 4, d_head: 2 }, (b, dims) => {
  const x = b.param("x", dims("batch seq d_model"), at(2));
  const wq = b.param("wq", dims("d_model d_qkv"), at(2));
  const wo = b.param("wo", dims("d_qkv d_model"), at(2));
  const q = b.add({ op: "einsum" }, [x, wq], { out: ["batch", "seq", "d_qkv"], hint: "q", loc: at(3) });
  const qh = b.add({ op: "splitDim", dim: "d_qkv", into: dims("heads d_head") }, [q], { hint: "qh", loc: at(4) });
  const t = b.add({ op: "transpose" }, [qh], { out: ["heads", "batch", "seq", "d_head"], hint: "t", loc: at(5) });
  const scores = b.add({ op: "einsum" }, [t, t], { out: ["batch", "heads", "seq"], hint: "scores", loc: at(6) });
  const gated = b.add({ op: "binary", fn: "mul" }, [t, scores], { hint: "gated", loc: at(7) });
  const merged = b.add({ op: "mergeDims", dims: ["heads", "d_head"], into: "d_qkv" }, [gated], { hint: "merged", loc: at(8) });
  return b.add({ op: "einsum" }, [merged, wo], { out: ["batch", "seq", "d_model"], hint: "y", loc: at(9) });
});

/** relayout onto the first mesh axis, rename, slice and concat. */
export const relayoutProgram: Fixture = {
  name: "relayout",
  sizes: { batch: 4, seq: 4, d_model: 4 },
  build(mesh, layoutSpec) {
    const inner = defineFixture("relayout", this.sizes, (b, dims) => {
      const x = b.param("x", dims("batch seq d_model"), at(2));
      // at sizes the axis does not divide (the uneven suite), the relayout opts into padding
      const padded = this.sizes.seq % mesh[0].size !== 0 ? { padded: true as const } : {};
      const moved = b.add({ op: "relayout", rules: [{ dim: "seq", axis: mesh[0].name, ...padded }] }, [x], { hint: "moved", loc: at(3) });
      const act = b.add({ op: "unary", fn: "tanh" }, [moved], { hint: "act", loc: at(4) });
      const renamed = b.add({ op: "rename", from: "d_model", to: "d_out" }, [act], { hint: "renamed", loc: at(5) });
      const head = b.add({ op: "slice", dim: "seq", start: 0, stop: 2 }, [renamed], { hint: "head", loc: at(6) });
      const both = b.add({ op: "concat", dim: "seq" }, [head, head], { hint: "both", loc: at(7) });
      return b.add({ op: "reduce", fn: "sum", dims: ["seq"] }, [both], { hint: "out", loc: at(8) });
    });
    return inner.build(mesh, layoutSpec);
  },
};

/** Three residual layers in a loop over indexed weights. */
export const layers = defineFixture("layers", { batch: 4, d_model: 4, d_ff: 8 }, (b, dims) => {
  const x = b.param("x", dims("batch d_model"), at(2));
  const tree = b.addParam("layers", {
    kind: "array",
    items: [0, 1, 2].map(() => ({ kind: "tensor" as const, dims: dims("d_model d_ff") })),
  }, at(2));
  const weights = tree.kind === "array" ? tree.items.map((item) => (item.kind === "tensor" ? item.value : -1)) : [];
  const [out] = b.loop(3, [x], [weights], ({ carried, indexed }) => {
    const h = b.add({ op: "einsum" }, [carried[0], indexed[0]], { out: ["batch", "d_ff"], hint: "h", loc: at(4) });
    const act = b.add({ op: "unary", fn: "tanh" }, [h], { hint: "act", loc: at(5) });
    const back = b.add({ op: "einsum" }, [act, indexed[0]], { out: ["batch", "d_model"], hint: "back", loc: at(6) });
    return [b.add({ op: "binary", fn: "add" }, [carried[0], back], { hint: "x", loc: at(7) })];
  }, at(3));
  return out;
});

/** An embedding lookup (gather) and a one-hot projection. */
export const embedding = defineFixture("embedding", { batch: 2, seq: 4, vocab: 8, d_model: 4 }, (b, dims) => {
  const ids = b.param("ids", dims("batch seq"), at(2));
  const table = b.param("table", dims("vocab d_model"), at(2));
  const emb = b.add({ op: "gather", dim: "vocab" }, [table, ids], { hint: "emb", loc: at(3) });
  const hot = b.add({ op: "oneHot", dim: dims("vocab")[0] }, [ids], { hint: "hot", loc: at(4) });
  const logits = b.add({ op: "einsum" }, [emb, table], { out: ["batch", "seq", "vocab"], hint: "logits", loc: at(5) });
  return b.add({ op: "binary", fn: "add" }, [logits, hot], { hint: "out", loc: at(6) });
});

/** sin, cos, floor and round, and clamp's maximum-then-minimum with numbers: RoPE tables and position buckets. */
export const elementwise = defineFixture("elementwise", { batch: 4, d_model: 4 }, (b, dims) => {
  const x = b.param("x", dims("batch d_model"), at(2));
  const scaled = b.add({ op: "binary", fn: "mul", scalar: { value: 3, position: 1 } }, [x], { hint: "scaled", loc: at(3) });
  const wave = b.add({ op: "binary", fn: "add" }, [b.add({ op: "unary", fn: "sin" }, [scaled], { loc: at(4) }), b.add({ op: "unary", fn: "cos" }, [x], { loc: at(4) })], { hint: "wave", loc: at(4) });
  const steps = b.add({ op: "binary", fn: "sub" }, [b.add({ op: "unary", fn: "floor" }, [scaled], { loc: at(5) }), b.add({ op: "unary", fn: "round" }, [scaled], { loc: at(5) })], { hint: "steps", loc: at(5) });
  const low = b.add({ op: "binary", fn: "maximum", scalar: { value: -0.5, position: 1 } }, [wave], { loc: at(6) });
  const clamped = b.add({ op: "binary", fn: "minimum", scalar: { value: 0.5, position: 1 } }, [low], { hint: "clamped", loc: at(6) });
  return b.add({ op: "binary", fn: "add" }, [clamped, steps], { hint: "out", loc: at(7) });
});

/** Every fixture, for the tests that run all of them. */
export const allFixtures: readonly Fixture[] = [mlp, einsumChain, reductions, softmax, heads, relayoutProgram, layers, embedding, elementwise];

/**
 * Two convolutions (3x3 windows, "same" padding) with a bias and relu between
 * them, then a global mean over space: halo exchanges along a split height or
 * width, partial sums over a split channel dim. Width 4 over 4 devices leaves
 * one row per device: the halo is the whole neighbour block.
 */
export const convNet = defineFixture("convNet", { batch: 2, height: 8, width: 4, c_in: 2, c_out: 4, kh: 3, kw: 3 }, (b, dims) => {
  const x = b.param("x", dims("batch height width c_in"), at(2));
  const k1 = b.param("k1", dims("kh kw c_in c_out"), at(2));
  const bias = b.param("bias", dims("c_out"), at(2));
  const k2 = b.param("k2", dims("kh kw c_out c_in"), at(2));
  const spec = { height: "height", width: "width", kernelHeight: "kh", kernelWidth: "kw", padding: { height: "same", width: "same" } } as const;
  const y1 = b.add({ op: "conv2d", ...spec, in: "c_in", out: "c_out" }, [x, k1], { hint: "y1", loc: at(3) });
  const h = b.add({ op: "unary", fn: "relu" }, [b.add({ op: "binary", fn: "add" }, [y1, bias], { hint: "biased", loc: at(4) })], { hint: "h", loc: at(4) });
  const y2 = b.add({ op: "conv2d", ...spec, in: "c_out", out: "c_in" }, [h, k2], { hint: "y2", loc: at(5) });
  return b.add({ op: "reduce", fn: "mean", dims: ["height", "width"] }, [y2], { hint: "pooled", loc: at(6) });
});

/** A 3x3 window, "same" along height and "valid" along width (never kept split), on x and kernel dims in other orders. */
export const convValid = defineFixture("convValid", { height: 8, batch: 2, width: 4, c_in: 4, c_out: 4, kh: 3, kw: 3 }, (b, dims) => {
  const x = b.param("x", dims("height batch c_in width"), at(2));
  const k = b.param("k", dims("c_out kh kw c_in"), at(2));
  return b.add(
    { op: "conv2d", height: "height", width: "width", kernelHeight: "kh", kernelWidth: "kw", in: "c_in", out: "c_out", padding: { height: "same", width: "valid" } },
    [x, k], { hint: "y", loc: at(3) },
  );
});

/** The conv2d fixtures (kept apart from `allFixtures` until every back end lowers conv2d). */
export const convFixtures: readonly Fixture[] = [convNet, convValid];

/** Every fixture of the equivalence suite. */
export const equivalenceFixtures: readonly Fixture[] = [...allFixtures, ...convFixtures];

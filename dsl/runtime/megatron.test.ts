/**
 * End to end on the runtime: the Megatron MLP hand-lowered to a device program
 * (d_ff split over "model", batch over "data"), run on a 2x2 simulated mesh,
 * gathered and compared with the one-device result; and its communication is
 * the analytic one: one all-reduce of batch x d_model per forward.
 */
import { expect, it } from "vitest";
import { Dims } from "../dims.ts";
import { Layout } from "../layout.ts";
import { Mesh } from "../mesh.ts";
import { Tensor } from "../tensor.ts";
import type { DeviceContext } from "./deviceContext.ts";
import { gatherByLayout, shardByLayout } from "./shardByLayout.ts";
import { SimulatedMesh } from "./simulatedMesh.ts";

/** Test-only [m k] x [k n] -> [m n] product with relu option (stands in for einsum until dsl/ops has it). */
function matmul(x: Tensor<string>, w: Tensor<string>, out: [string, string], relu = false): Tensor<string> {
  const [m, k] = x.shape;
  const n = w.shape[1];
  const data = new Float32Array(m * n);
  for (let row = 0; row < m; row++) {
    for (let col = 0; col < n; col++) {
      let total = 0;
      for (let inner = 0; inner < k; inner++) total += x.data[row * k + inner] * w.data[inner * n + col];
      data[row * n + col] = relu ? Math.max(0, total) : total;
    }
  }
  return new Tensor([{ name: out[0], size: m }, { name: out[1], size: n }], data);
}

const D = new Dims({ batch: 4, d_model: 6, d_ff: 8 });
const M = new Mesh({ data: 2, model: 2 });
const L = new Layout(M, D, "batch:data, d_ff:model");
const filled = (spec: string, seed: number) => {
  const dims = D.shape(spec);
  const size = dims.reduce((product, dim) => product * dim.size, 1);
  // small integers keep every sum exact in float32, so the comparison is exact
  return new Tensor(dims, Float32Array.from({ length: size }, (_, index) => ((index * 7 + seed) % 5) - 2), spec);
};

async function mlpDevice(ctx: DeviceContext, x: Tensor<string>, w1: Tensor<string>, w2: Tensor<string>): Promise<Tensor<string>> {
  const h = matmul(x, w1, ["batch", "d_ff"], true);
  return ctx.allReduce(matmul(h, w2, ["batch", "d_model"]), "model", "sum");
}

it("Megatron MLP on a 2x2 mesh equals the one-device result and costs one all-reduce of batch x d_model", async () => {
  const x = filled("batch d_model", 1);
  const w1 = filled("d_model d_ff", 2);
  const w2 = filled("d_ff d_model", 3);
  const expected = matmul(matmul(x, w1, ["batch", "d_ff"], true), w2, ["batch", "d_model"]);

  const [xs, w1s, w2s] = [x, w1, w2].map((tensor) => shardByLayout(L, tensor));
  const sim = new SimulatedMesh(M);
  const outputs = await sim.run(mlpDevice, (device) => [xs[device], w1s[device], w2s[device]]);
  const y = gatherByLayout(L, "batch d_model", outputs);
  expect([...y.data]).toEqual([...expected.data]);

  const localBytes = 4 * (4 / 2) * 6; // batch/|data| x d_model floats
  expect(sim.stats.entries()).toEqual([
    { kind: "allReduce", axis: "model", calls: 4, payloadBytes: 4 * localBytes, wireBytes: 4 * localBytes },
  ]);
});

import { describe, expect, it } from "vitest";
import { clusterPresets } from "../../dsl/clusterPresets.ts";
import type { Dim } from "../../dsl/tensor.ts";
import { kernelSeconds, matmulShapeEfficiency } from "./compute.ts";
import { einsumMatmul, opWork } from "./opWork.ts";

const a100 = clusterPresets.a100.device;
const dims = (spec: Record<string, number>): Dim[] => Object.entries(spec).map(([name, size]) => ({ name, size }));

describe("opWork", () => {
  it("reads an einsum as a batched matmul: batch in both inputs and the output, k contracted", () => {
    const work = einsumMatmul(dims({ batch: 2, heads: 4, seq: 128, d_head: 64 }), dims({ batch: 2, heads: 4, kv_seq: 256, d_head: 64 }), dims({ batch: 2, heads: 4, seq: 128, kv_seq: 256 }), 2);
    expect(work).toMatchObject({ batch: 8, m: 128, n: 256, k: 64, flops: 2 * 8 * 128 * 256 * 64 });
    expect(work.bytes).toBe(2 * (2 * 4 * 128 * 64 + 2 * 4 * 256 * 64 + 2 * 4 * 128 * 256));
  });

  it("prices views at nothing, element-wise ops by their bytes, and a permuting merge as a copy", () => {
    expect(opWork({ op: "transpose" }, [dims({ a: 4, b: 8 })], dims({ b: 8, a: 4 }), 4)).toEqual({ kind: "view" });
    expect(opWork({ op: "binary", fn: "add" }, [dims({ a: 4, b: 8 }), dims({ b: 8 })], dims({ a: 4, b: 8 }), 4)).toEqual({ kind: "memory", flops: 32, bytes: 4 * (32 + 8 + 32) });
    expect(opWork({ op: "mergeDims", dims: ["a", "b"], into: "ab" }, [dims({ a: 4, b: 8, c: 2 })], dims({ ab: 32, c: 2 }), 4)).toEqual({ kind: "view" });
    expect(opWork({ op: "mergeDims", dims: ["a", "c"], into: "ac" }, [dims({ a: 4, b: 8, c: 2 })], dims({ ac: 8, b: 8 }), 4).kind).toBe("memory");
  });
});

describe("kernelSeconds", () => {
  it("runs a large aligned bf16 matmul at the device's measured matmul FLOP/s", () => {
    const work = einsumMatmul(dims({ t: 8192, h: 4096 }), dims({ h: 4096, f: 16384 }), dims({ t: 8192, f: 16384 }), 2);
    expect(matmulShapeEfficiency(work, a100.multiprocessors)).toBeGreaterThan(0.99);
    const estimate = kernelSeconds(work, a100, "bf16");
    expect(estimate.bound).toBe("compute");
    expect(estimate.seconds).toBeCloseTo(a100.measured.kernelOverhead + work.flops / a100.measured.matmulFlops.bf16 / matmulShapeEfficiency(work, 108), 9);
  });

  it("pays for the last partial tile and the last partial wave", () => {
    expect(matmulShapeEfficiency({ batch: 1, m: 129, n: 128 * 108, k: 4096 }, 108)).toBeCloseTo(129 / 256, 6);
    // 109 tiles on 108 SMs: two waves, the second nearly empty.
    expect(matmulShapeEfficiency({ batch: 109, m: 128, n: 128, k: 4096 }, 108)).toBeCloseTo(109 / 216, 6);
  });

  it("holds a skinny matmul to the memory roof, never below the fp32 units' rate", () => {
    // "bsd,bsd->d": a batch of 1 x 1 products, a GEMV in practice.
    const work = einsumMatmul(dims({ b: 8, s: 2048, d: 4096 }), dims({ b: 8, s: 2048, d: 4096 }), dims({ d: 4096 }), 2);
    const estimate = kernelSeconds(work, a100, "bf16");
    expect(estimate.bound).toBe("memory");
    expect(estimate.seconds).toBeCloseTo(a100.measured.kernelOverhead + work.bytes / a100.measured.memoryBandwidth, 9);
  });

  it("prices element-wise kernels at the measured HBM bandwidth plus the launch overhead", () => {
    const estimate = kernelSeconds({ kind: "memory", flops: 0, bytes: 1.8e9 }, a100, "bf16");
    expect(estimate.seconds).toBeCloseTo(1e-3 + a100.measured.kernelOverhead, 9);
    expect(kernelSeconds({ kind: "view" }, a100, "bf16").seconds).toBe(0);
  });
});

/**
 * The time of one kernel on one device: a roofline whose roofs are what the
 * device reaches in published measurements (dsl/clusterPresets.ts: large
 * matmul FLOP/s, streaming HBM bandwidth), with a matmul's compute roof
 * lowered by its shape:
 *
 * - tile quantization: the output is computed in 128 x 128 tiles, so an m or
 *   n that is not a multiple of 128 pays for the whole last tile;
 * - wave quantization: tiles run on the streaming multiprocessors in waves,
 *   so a last partial wave leaves SMs idle; a matmul with fewer tiles than SMs
 *   splits k across them (split-K), as cuBLAS does, where k is long enough;
 *
 * (NVIDIA, "Matrix Multiplication Background User's Guide", Deep Learning
 * Performance documentation: sections "Tile quantization" and "Wave
 * quantization"). Tensor-core tiles never make a matmul slower than the
 * plain fp32 units would run it (cuBLAS takes GEMV-like kernels for skinny
 * shapes): the device's measured fp32 matmul rate is a floor. A matmul whose operands cost more to read than to multiply
 * (small k, skinny shapes) is held to the memory roof; every kernel pays the
 * device's launch overhead. Calibration is the device preset's, never a model's.
 */
import type { DeviceSpec, PeakPrecision } from "../../dsl/cluster.ts";
import type { Dtype } from "../../dsl/dtype.ts";
import type { MatmulWork, Work } from "./opWork.ts";

/** The output tile of a large cuBLAS matmul. */
export const matmulTile = 128;
/** The shortest k slice split-K gives one multiprocessor. */
const splitKMinimum = 256;

/** What one kernel costs, and what bounds it. */
export interface KernelEstimate {
  readonly seconds: number;
  /** `compute`: the matmul roof; `memory`: HBM traffic; `overhead`: a view, or a kernel too small to matter. */
  readonly bound: "compute" | "memory" | "overhead" | "none";
  /** For a matmul: the fraction of the measured matmul FLOP/s its shape reaches (tiles x waves). */
  readonly shapeEfficiency?: number;
}

/** Which peak a program's matmuls use: bf16 tensor cores, fp32 (torch's default for fp32 matmuls) or TF32 when allowed. */
export function matmulPrecision(dtype: Dtype, allowTf32 = false): PeakPrecision {
  if (dtype === "bf16") return "bf16";
  return allowTf32 ? "tf32" : "fp32";
}

/** The fraction of a device's measured matmul FLOP/s a matmul of this shape reaches (tile and wave quantization). */
export function matmulShapeEfficiency(work: Pick<MatmulWork, "batch" | "m" | "n" | "k">, multiprocessors: number): number {
  if (work.m <= 0 || work.n <= 0 || work.k <= 0) return 1;
  const tilesM = Math.ceil(work.m / matmulTile);
  const tilesN = Math.ceil(work.n / matmulTile);
  const tileEfficiency = (work.m * work.n) / (tilesM * matmulTile * tilesN * matmulTile);
  let tiles = work.batch * tilesM * tilesN;
  if (tiles < multiprocessors) {
    const splitK = Math.max(1, Math.min(Math.floor(multiprocessors / tiles), Math.floor(work.k / splitKMinimum)));
    tiles *= splitK;
  }
  const waves = Math.ceil(tiles / multiprocessors);
  const waveEfficiency = tiles / (waves * multiprocessors);
  return tileEfficiency * waveEfficiency;
}

/**
 * The time of `work` on `device` for a program of `dtype` (matmuls at the
 * measured FLOP/s of `precision`, memory traffic at the measured HBM bandwidth).
 *
 * @example
 * kernelSeconds(opWork({ op: "einsum" }, [x, w], y, 2), clusterPresets.a100.device, "bf16");
 */
export function kernelSeconds(work: Work, device: DeviceSpec, precision: PeakPrecision): KernelEstimate {
  if (work.kind === "view") return { seconds: 0, bound: "none" };
  const overhead = device.measured.kernelOverhead;
  const memorySeconds = work.bytes / device.measured.memoryBandwidth;
  if (work.kind === "memory") {
    return { seconds: overhead + memorySeconds, bound: memorySeconds > overhead ? "memory" : "overhead" };
  }
  const shapeEfficiency = matmulShapeEfficiency(work, device.multiprocessors);
  const rate = Math.max(device.measured.matmulFlops[precision] * shapeEfficiency, Math.min(device.measured.matmulFlops.fp32, device.measured.matmulFlops[precision]));
  const computeSeconds = work.flops / rate;
  const seconds = overhead + Math.max(computeSeconds, memorySeconds);
  const bound = Math.max(computeSeconds, memorySeconds) < overhead ? "overhead" : computeSeconds >= memorySeconds ? "compute" : "memory";
  return { seconds, bound, shapeEfficiency };
}

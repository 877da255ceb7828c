/**
 * Cluster presets with their published figures. Datasheet figures are peaks;
 * the `measured` ones are what benchmarks reach, and they are what the cost
 * model scales by shape. They belong to the device, never to one model.
 * GB = 1e9 bytes, TFLOP/s = 1e12 FLOP/s; NVLink and NIC rates per direction.
 *
 * Sources (cited by key below):
 * - [V100-DS] NVIDIA Tesla V100 GPU Accelerator datasheet (2018), SXM2 column:
 *   FP32 15.7 TFLOPS, Tensor (fp16) 125 TFLOPS, 16 GB HBM2 at 900 GB/s, NVLink 300 GB/s
 *   (both directions); Volta whitepaper (2017): 80 SMs.
 * - [P3] AWS EC2 P3 instances page: p3.16xlarge = 8 V100 16 GB with NVLink, 25 Gbps network.
 * - [A100-DS] NVIDIA A100 Tensor Core GPU datasheet (2021), 80GB SXM column: FP32 19.5, TF32 156,
 *   BF16 312 TFLOPS (dense), 80 GB HBM2e at 2,039 GB/s, NVLink 600 GB/s; 108 SMs.
 * - [DGXA100] NVIDIA DGX A100 datasheet / user guide: 8 A100 on NVSwitch, 8 single-port
 *   ConnectX-6 200 Gb/s HDR InfiniBand for compute traffic.
 * - [H100-DS] NVIDIA H100 Tensor Core GPU datasheet, SXM column: FP32 67, TF32 989 and BF16 1,979
 *   TFLOPS with sparsity (494.5 and 989 dense), 80 GB HBM3 at 3.35 TB/s, NVLink 900 GB/s; 132 SMs.
 * - [DGXH100] NVIDIA DGX H100 / H200 datasheets: 8 GPUs on NVSwitch (NVLink 4), 8 ConnectX-7 400 Gb/s.
 * - [H200-DS] NVIDIA H200 Tensor Core GPU datasheet, SXM column: same compute as H100 SXM,
 *   141 GB HBM3e at 4.8 TB/s, NVLink 900 GB/s.
 * - [MAMF] S. Bekman, "Machine Learning Engineering", compute/accelerator/README.md, table
 *   "Maximum Achievable Matmul FLOPS comparison table" (BF16, v2): A100 SXM 271.2 TFLOPS
 *   (86.9% of 312), H100 SXM 794.5 (80.3% of 989); torch matmul, mean of 100 runs at the best shape.
 * - [MARKIDIS] Markidis et al., "NVIDIA Tensor Core Programmability, Performance & Precision",
 *   IPDPSW 2018, abstract: cuBLAS reaches 83 TFLOP/s in mixed precision on a Tesla V100,
 *   "seven and three times the performance in single and half precision" (so ~11.9 TFLOP/s fp32).
 * - [JIA] Jia et al., "Dissecting the NVIDIA Volta GPU Architecture via Microbenchmarking",
 *   arXiv:1804.06826 (2018), global memory throughput: ~750 GB/s on V100 (of 900).
 * - [A100-BW] NVIDIA developer forum, "Trouble to reach peak bandwidth of A100" (2025): a
 *   streaming kernel reaches 1.80 TB/s on A100 80GB SXM (88% of 2.04 per Nsight Compute), and
 *   "around 90%" is the most any kernel reached in the GTC talk cited there; we take 90% of
 *   the datasheet for H100 and H200.
 * - [NCCL-212] NVIDIA/nccl-tests issue #212 (S. Jeaugey, NVIDIA, 2024): on H100, NVLink 450 GB/s
 *   line rate gives ~370 GB/s NCCL bus bandwidth (~20% protocol overhead); an 8-GPU all-reduce
 *   with NVLink SHARP peaks at ~480 GB/s bus bandwidth.
 * - [NCCL-272] NVIDIA/nccl-tests issue #272 (2024): 8 x H200, all_reduce_perf peak bus bandwidth 475 GB/s.
 * - [NCCL-178] NVIDIA/nccl-tests issues #178 and #149 (2023): 8 x A100-SXM4-80GB on NVSwitch,
 *   all_reduce_perf bus bandwidth 208 GB/s (~200 GB/s in #149).
 * - [NCCL-160] NVIDIA/nccl-tests issue #160 (S. Jeaugey, 2023): NCCL reaches ~24 GB/s per 200 Gb/s
 *   HDR NIC "on perfect setups" (0.96 of the 25 GB/s line rate) on 3+ nodes.
 * - [CUDA-GRAPHS] NVIDIA Technical Blog, "Getting Started with CUDA Graphs" (A. Gray, 2019): a
 *   2.9 us kernel costs 3.8 us per launch back to back in a stream (~1 us of launch overhead).
 */
import type { ClusterSpec, DeviceSpec } from "./cluster.ts";

const GB = 1e9;
const TFLOPS = 1e12;
/** Gb/s of a NIC in bytes/s. */
const gbit = (gigabits: number): number => (gigabits * 1e9) / 8;

/** NCCL's fraction of an InfiniBand NIC's line rate [NCCL-160]. */
const ibEfficiency = 24 / 25;
/** The launch overhead of one kernel [CUDA-GRAPHS]. */
const kernelOverhead = 1e-6;

const v100: DeviceSpec = {
  name: "V100-SXM2-16GB",
  memoryBytes: 16 * GB,
  memoryBandwidth: 900 * GB,
  // [V100-DS]: Volta has no TF32 (fp32 matmuls run on the fp32 units) and no bf16: a bf16
  // program is priced at the fp16 tensor-core peak, as Megatron-LM and Alpa ran V100 (fp16 with
  // loss scaling); its numerics differ from bf16.
  peakFlops: { fp32: 15.7 * TFLOPS, tf32: 15.7 * TFLOPS, bf16: 125 * TFLOPS },
  multiprocessors: 80,
  measured: {
    // [MARKIDIS]: 83 TFLOP/s mixed precision, fp32 a seventh of it.
    matmulFlops: { fp32: (83 / 7) * TFLOPS, tf32: (83 / 7) * TFLOPS, bf16: 83 * TFLOPS },
    memoryBandwidth: 750 * GB, // [JIA]
    kernelOverhead,
  },
  bf16Note: "V100 has no bf16: bf16 programs are priced at its fp16 tensor-core peak (125 TFLOP/s), as mixed-precision fp16 training runs on it.",
};

const a100: DeviceSpec = {
  name: "A100-SXM4-80GB",
  memoryBytes: 80 * GB,
  memoryBandwidth: 2039 * GB, // [A100-DS]
  peakFlops: { fp32: 19.5 * TFLOPS, tf32: 156 * TFLOPS, bf16: 312 * TFLOPS },
  multiprocessors: 108,
  measured: {
    // [MAMF] bf16; TF32 and fp32 at the same fraction of their peaks (no published figure found).
    matmulFlops: { fp32: 19.5 * 0.869 * TFLOPS, tf32: 156 * 0.869 * TFLOPS, bf16: 271.2 * TFLOPS },
    memoryBandwidth: 1800 * GB, // [A100-BW]
    kernelOverhead,
  },
};

const h100: DeviceSpec = {
  name: "H100-SXM5-80GB",
  memoryBytes: 80 * GB,
  memoryBandwidth: 3350 * GB, // [H100-DS]
  peakFlops: { fp32: 67 * TFLOPS, tf32: 494.5 * TFLOPS, bf16: 989 * TFLOPS },
  multiprocessors: 132,
  measured: {
    // [MAMF] bf16; TF32 and fp32 at the same fraction of their peaks.
    matmulFlops: { fp32: 67 * 0.803 * TFLOPS, tf32: 494.5 * 0.803 * TFLOPS, bf16: 794.5 * TFLOPS },
    memoryBandwidth: 0.9 * 3350 * GB, // [A100-BW]: ~90% of the datasheet
    kernelOverhead,
  },
};

const h200: DeviceSpec = {
  ...h100,
  name: "H200-SXM-141GB",
  memoryBytes: 141 * GB,
  memoryBandwidth: 4800 * GB, // [H200-DS]
  measured: {
    // The H100 SXM figure [MAMF]: the same GH100 die at the same 700 W (no H200 SXM row published).
    ...h100.measured,
    memoryBandwidth: 0.9 * 4800 * GB,
  },
};

/** The presets, by name: `cluster("a100", { nodes: 16 })`, `meshtype simulate --cluster a100 --nodes 16`. */
export const clusterPresets = {
  v100: {
    name: "AWS p3.16xlarge (8 x V100-SXM2-16GB)",
    device: v100,
    devicesPerNode: 8,
    nodes: 1,
    // NVLink 2, hybrid cube mesh: 6 links x 25 GB/s per direction [V100-DS]; NCCL's ~20% protocol
    // overhead [NCCL-212] applied (no published p3.16xlarge nccl-tests figure found).
    intraNode: { name: "NVLink 2 (hybrid cube mesh)", bandwidth: 150 * GB, allReduceBusBandwidth: 120 * GB, busBandwidth: 120 * GB },
    // 25 Gb/s per instance [P3], TCP (no EFA on p3.16xlarge); the InfiniBand efficiency [NCCL-160]
    // is an upper bound here.
    interNode: { name: "25 Gb/s Ethernet per node", bandwidthPerNode: gbit(25), efficiency: ibEfficiency },
    sources: ["[V100-DS]", "[P3]", "[MARKIDIS]", "[JIA]", "[NCCL-212]", "[NCCL-160]", "[CUDA-GRAPHS]"],
  },
  a100: {
    name: "DGX A100 (8 x A100-SXM4-80GB)",
    device: a100,
    devicesPerNode: 8,
    nodes: 1,
    intraNode: { name: "NVLink 3 / NVSwitch", bandwidth: 300 * GB, allReduceBusBandwidth: 208 * GB, busBandwidth: 208 * GB }, // [A100-DS], [NCCL-178]
    interNode: { name: "8 x 200 Gb/s HDR InfiniBand per node", bandwidthPerNode: 8 * gbit(200), efficiency: ibEfficiency }, // [DGXA100], [NCCL-160]
    sources: ["[A100-DS]", "[DGXA100]", "[MAMF]", "[A100-BW]", "[NCCL-178]", "[NCCL-160]", "[CUDA-GRAPHS]"],
  },
  h100: {
    name: "DGX H100 (8 x H100-SXM5-80GB)",
    device: h100,
    devicesPerNode: 8,
    nodes: 1,
    intraNode: { name: "NVLink 4 / NVSwitch", bandwidth: 450 * GB, allReduceBusBandwidth: 480 * GB, busBandwidth: 370 * GB }, // [H100-DS], [NCCL-212]
    interNode: { name: "8 x 400 Gb/s NDR InfiniBand per node", bandwidthPerNode: 8 * gbit(400), efficiency: ibEfficiency }, // [DGXH100], [NCCL-160]
    sources: ["[H100-DS]", "[DGXH100]", "[MAMF]", "[A100-BW]", "[NCCL-212]", "[NCCL-160]", "[CUDA-GRAPHS]"],
  },
  h200: {
    name: "DGX H200 (8 x H200-SXM-141GB)",
    device: h200,
    devicesPerNode: 8,
    nodes: 1,
    intraNode: { name: "NVLink 4 / NVSwitch", bandwidth: 450 * GB, allReduceBusBandwidth: 475 * GB, busBandwidth: 370 * GB }, // [H200-DS], [NCCL-272], [NCCL-212]
    interNode: { name: "8 x 400 Gb/s NDR InfiniBand per node", bandwidthPerNode: 8 * gbit(400), efficiency: ibEfficiency }, // [DGXH100], [NCCL-160]
    sources: ["[H200-DS]", "[DGXH100]", "[MAMF]", "[A100-BW]", "[NCCL-272]", "[NCCL-212]", "[NCCL-160]", "[CUDA-GRAPHS]"],
  },
} as const satisfies Record<string, ClusterSpec>;

/** The name of a preset. */
export type ClusterPresetName = keyof typeof clusterPresets;

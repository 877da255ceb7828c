import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cluster } from "../../dsl/cluster.ts";
import { ProgramBuilder } from "../ir/builder.ts";
import type { Program } from "../ir/ir.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { allFixtures, layers, mlp } from "../testing/programs.ts";
import { randomProgram } from "../testing/randomPrograms.ts";
import { resimulateWithEntrySeconds, simulateProgram } from "./simulate.ts";
import { peakMemory } from "./memory.ts";
import { simulate } from "./schedule.ts";

const a100 = cluster("a100");
const mesh2x2 = [{ name: "data", size: 2 }, { name: "model", size: 2 }];

describe("simulateProgram", () => {
  it("expands a loop by its trip count: the body's kernels are priced once and run once per iteration", () => {
    const sim = simulateProgram(compileProgram(layers.build([{ name: "model", size: 2 }], "d_ff:model")), a100);
    const einsums = sim.graph.entries.filter((entry) => entry.opKind === "einsum");
    expect(einsums).toHaveLength(2);
    const runs = einsums.map((entry) => Array.from(sim.graph.entryOf).filter((index) => sim.graph.entries[index] === entry).length);
    expect(runs).toEqual([3, 3]);
    // Iteration i + 1 starts after iteration i: the carried value orders them.
    const firstEinsum = sim.graph.entries.indexOf(einsums[0]);
    const starts = Array.from(sim.graph.entryOf).flatMap((index, task) => (index === firstEinsum ? [sim.schedule.start[task]] : []));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(new Set(starts).size).toBe(3);
  });

  it("overlaps an independent collective with compute on the communication stream, and exposes it with one stream", () => {
    // y = allReduce(x . w1) over data and z = x . w2: z needs no communication.
    const b = new ProgramBuilder({ name: "overlap", mesh: [{ name: "data", size: 8 }], layoutSpec: "k:data" });
    const x = b.param("x", [{ name: "t", size: 4096 }, { name: "k", size: 8192 }]);
    const w1 = b.param("w1", [{ name: "k", size: 8192 }, { name: "f", size: 4096 }]);
    const w2 = b.param("w2", [{ name: "k", size: 8192 }, { name: "g", size: 4096 }]);
    const y = b.add({ op: "einsum" }, [x, w1], { out: ["t", "f"] });
    const y2 = b.add({ op: "relayout", rules: [] }, [y]);
    const z = b.add({ op: "einsum" }, [x, w2], { out: ["t", "g", "k"] });
    b.setResult({ kind: "object", fields: { y: { kind: "tensor", value: y2 }, z: { kind: "tensor", value: z } } });
    const program = compileProgram(b.finish());
    const overlapped = simulateProgram(program, a100, { dtype: "bf16" });
    const serial = simulateProgram(program, a100, { dtype: "bf16", overlap: "none" });
    expect(overlapped.summary.communicationSeconds).toBeGreaterThan(0);
    expect(overlapped.summary.exposedCommunicationSeconds).toBeLessThan(overlapped.summary.communicationSeconds);
    expect(serial.summary.exposedCommunicationSeconds).toBeCloseTo(serial.summary.communicationSeconds, 12);
    expect(serial.summary.stepSeconds).toBeGreaterThan(overlapped.summary.stepSeconds);
  });

  it("prices bf16 at the bf16 peak and fp32 at the fp32 one, with half the bytes", () => {
    const program = compileProgram(mlp.build(mesh2x2, "batch:data, d_ff:model"));
    const fp32 = simulateProgram(program, a100);
    const bf16 = simulateProgram(program, a100, { dtype: "bf16" });
    expect(fp32.summary.peakFlops).toBe(19.5e12);
    expect(bf16.summary.peakFlops).toBe(312e12);
    const bytes = (sim: typeof fp32): number => sim.graph.entries.filter((entry) => entry.kind === "collective").reduce((sum, entry) => sum + entry.bytes, 0);
    expect(bytes(bf16)).toBe(bytes(fp32) / 2);
  });

  it("fails with MT5101 when the mesh has more devices than the cluster", () => {
    const program = compileProgram(mlp.build([{ name: "data", size: 16 }], ""));
    expect(() => simulateProgram(program, a100)).toThrow(/MT5101 Program "mlp" does not fit the cluster: the mesh has 16 devices and the cluster 8/);
  });

  it("simulates every fixture under both kernel policies, fused never slower", () => {
    for (const fixture of allFixtures) {
      const program = compileProgram(fixture.build([{ name: "data", size: 2 }], fixture.sizes.batch ? "batch:data" : ""));
      const eager = simulateProgram(program, a100);
      const fused = simulateProgram(program, a100, { kernels: "fused" });
      expect(eager.summary.stepSeconds, fixture.name).toBeGreaterThan(0);
      expect(fused.summary.stepSeconds, fixture.name).toBeLessThanOrEqual(eager.summary.stepSeconds + 1e-15);
    }
  });
});

describe("delta simulation of programs", () => {
  it("gives the full simulation's figures after random changes of kernel and collective costs", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.array(fc.tuple(fc.nat(), fc.double({ min: 0, max: 1e-3, noNaN: true })), { minLength: 1, maxLength: 4 }), (seed, edits) => {
        let program: Program;
        try {
          program = compileProgram(randomProgram(seed));
        } catch {
          return; // a random program the compiler rejects (a user error): nothing to simulate
        }
        const before = simulateProgram(program, cluster("h100"));
        const entries = before.graph.entries.length;
        if (entries === 0) return;
        const changes = new Map(edits.map(([entry, seconds]) => [entry % entries, seconds]));
        const delta = resimulateWithEntrySeconds(before, changes);
        const full = simulate(delta.graph);
        expect(Array.from(delta.schedule.start)).toEqual(Array.from(full.start));
        expect(delta.summary.stepSeconds).toBe(full.makespan);
        expect(delta.memory).toEqual(peakMemory(delta.graph, full));
      }),
      { numRuns: 60 },
    );
  });
});

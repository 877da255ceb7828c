import { beforeAll, describe, expect, it } from "vitest";
import { CompileError } from "../../../diagnostics/diagnostic.ts";
import type { Program } from "../../../ir/ir.ts";
import { verify } from "../../../ir/verify.ts";
import { makeInputs, maxDifference, runEager, runLowered } from "../../../testing/harness.ts";
import { randomProgram } from "../../../testing/randomPrograms.ts";
import { einsumChain, mlp } from "../../../testing/programs.ts";
import { explainProgram } from "../../../explain/explainRows.ts";
import { compileProgram } from "../../pipeline.ts";
import { ProgramBuilder } from "../../../ir/builder.ts";
import { optimize, optimizeStrategy, type OptimizeReport } from "./optimize.ts";
import { decompose } from "../../decompose.ts";
import { lower } from "../../lower/lower.ts";
import { validate } from "../../validate.ts";
import { exhaustivePlan } from "./exhaustive.ts";
import { planSeconds, solvePlan } from "./ilp.ts";
import { assignmentOf } from "./optimize.ts";
import { buildPlanGraph } from "./planGraph.ts";
import { loadSolver } from "./solver.ts";
import { elementCosts } from "./testCosts.ts";

beforeAll(async () => {
  await loadSolver();
});

/** Random program `seed` with its layout opened to the planner ("auto"), or undefined when its relayouts do not validate. */
function openProgram(seed: number): Program | undefined {
  const drawn = randomProgram(seed);
  try {
    return decompose(validate({ ...drawn, layoutSpec: "auto", layout: [], openLayout: true }));
  } catch (error) {
    if (error instanceof CompileError) return undefined;
    throw error;
  }
}

describe("optimize: the ILP agrees with exhaustive search, and its plans compute the eager result", () => {
  it("on random programs with the layout open, the ILP's objective is the exhaustive minimum, and the lowered plan equals eager", async () => {
    const highs = await loadSolver();
    let compared = 0;
    for (let seed = 1; compared < 25 && seed < 400; seed++) {
      const program = openProgram(seed);
      if (program === undefined) continue;
      const costs = elementCosts(program.mesh);
      const graph = buildPlanGraph(program, costs);
      let best;
      try {
        best = exhaustivePlan(graph, costs, Infinity, 50_000);
      } catch {
        continue; // too many combinations to enumerate
      }
      if (best === undefined) continue;
      const solution = solvePlan(graph, costs, Infinity, highs);
      expect(solution.seconds, `seed ${seed}`).toBeCloseTo(best.seconds, 6);
      expect(planSeconds(graph, costs, solution.choice), `seed ${seed}: the ILP's choice scored from the graph`).toBeCloseTo(best.seconds, 6);
      const lowered = verify(lower({ ...program, assignment: assignmentOf(graph, solution.choice) }), "lower");
      const args = makeInputs(program, seed);
      const { result } = await runLowered(lowered, args);
      expect(maxDifference(result, await runEager(program, args)), `seed ${seed}`).toBeLessThan(1e-3);
      compared++;
    }
    expect(compared).toBe(25);
  });

  it("a memory limit forces the params apart: with room for one whole copy the plan splits less than without", async () => {
    const highs = await loadSolver();
    for (let seed = 1; seed < 200; seed++) {
      const program = openProgram(seed);
      if (program === undefined) continue;
      const costs = elementCosts(program.mesh);
      const graph = buildPlanGraph(program, costs);
      let loose;
      let tight;
      try {
        loose = exhaustivePlan(graph, costs, Infinity, 20_000);
      } catch {
        continue;
      }
      if (loose === undefined) continue;
      const memoryOf = (choice: readonly number[]) => graph.nodes.reduce((total, node) => total + node.candidates[choice[node.index]].memory, 0);
      const limit = memoryOf(loose.choice) - 1;
      tight = exhaustivePlan(graph, costs, limit, 20_000);
      if (tight === undefined) continue;
      const solution = solvePlan(graph, costs, limit, highs);
      expect(solution.seconds, `seed ${seed}`).toBeCloseTo(tight.seconds, 6);
      expect(memoryOf(solution.choice)).toBeLessThanOrEqual(limit);
      return;
    }
    throw new Error("no random program had a binding memory limit");
  });

  it("under a limit nothing fits: MT5202, or with overMemoryFallback the unlimited plan of the same graph, with why", async () => {
    await loadSolver();
    for (let seed = 1; seed < 200; seed++) {
      const program = openProgram(seed);
      if (program === undefined) continue;
      const costs = elementCosts(program.mesh);
      let unlimited: OptimizeReport | undefined;
      try {
        optimize(program, { costs, onSolved: (report) => (unlimited = report) });
      } catch {
        continue;
      }
      if (unlimited === undefined) continue;
      // every program holds its params: one byte per device never fits
      expect(() => optimize(program, { costs, memoryLimit: 1 }), `seed ${seed}`).toThrow(/no plan fits in 1 bytes per device/);
      let fallback: OptimizeReport | undefined;
      optimize(program, { costs, memoryLimit: 1, overMemoryFallback: true, onSolved: (report) => (fallback = report) });
      expect(fallback?.overMemory).toMatch(/no plan fits in 1 bytes per device/);
      expect(fallback?.solution.seconds).toBeCloseTo(unlimited.solution.seconds, 9);
      return;
    }
    throw new Error("no random program needed memory");
  });

  it("the layout's rules are constraints: under a full layout every value keeps them; in a partial one they hold and the solver decides the rest", async () => {
    await loadSolver();
    const mesh = [{ name: "data", size: 2 }, { name: "model", size: 2 }];
    for (const fixture of [mlp, einsumChain]) {
      const full = fixture.build(mesh, fixture === mlp ? "batch:data, d_ff:model" : "d_in:model, batch:data");
      const sharding = optimizeStrategy({ costs: elementCosts(mesh) });
      const planned = compileProgram(full, undefined, { sharding });
      const args = makeInputs(full, 5);
      expect(maxDifference((await runLowered(planned, args)).result, await runEager(full, args)), fixture.name).toBeLessThan(1e-4);
      for (const value of planned.values.values()) {
        if (!full.values.has(value.id)) continue; // conversions the lowering made for one reader
        for (const rule of full.layout) {
          if (!value.dims.some((dim) => dim.name === rule.dim) || value.sharding === undefined) continue;
          expect(value.sharding[rule.axis], `${fixture.name} %${value.id} ${rule.dim}:${rule.axis}`).toEqual({ kind: "split", dim: rule.dim });
        }
      }
    }
    const partial = mlp.build(mesh, "d_ff:model, auto");
    const planned = compileProgram(partial, undefined, { sharding: optimizeStrategy({ costs: elementCosts(mesh) }) });
    const h = [...planned.values.values()].find((value) => value.hint === "h");
    expect(h?.sharding?.model).toEqual({ kind: "split", dim: "d_ff" });
    expect(explainProgram(planned).rows.find((row) => row.op.startsWith("einsum"))?.shardingFrom).toBe("solver");
  });

  it("loops are planned once: carried, indexed and yielded values, the body once in the ILP, the result equal to eager", async () => {
    await loadSolver();
    const mesh = [{ name: "data", size: 2 }, { name: "model", size: 2 }];
    const b = new ProgramBuilder({ name: "layers", mesh, layoutSpec: "auto" });
    const x = b.param("x", [{ name: "batch", size: 4 }, { name: "d", size: 4 }]);
    const ws = [0, 1, 2].map((index) => b.param(`w${index}`, [{ name: "d", size: 4 }, { name: "e", size: 4 }]));
    const open = b.openLoop(3, [x], [ws]);
    const h = b.add({ op: "einsum" }, [open.carried[0], open.indexed[0]], { out: ["batch", "e"] });
    const next = b.add({ op: "rename", from: "e", to: "d" }, [b.add({ op: "unary", fn: "tanh" }, [h])]);
    const closed = b.closeLoopWithYields([next], [h]);
    b.setResult({ kind: "array", items: [closed.carried[0], ...closed.yields[0]].map((value) => ({ kind: "tensor" as const, value })) });
    const program = b.finish();
    let nodes = 0;
    const lowered = compileProgram(program, undefined, { sharding: optimizeStrategy({ costs: elementCosts(mesh), onSolved: (report) => (nodes = report.nodes) }) });
    // params x, w0..w2; the carried and the indexed loop values; the einsum, tanh+rename (one node each); the yielded items
    expect(nodes).toBeLessThanOrEqual(10);
    const args = makeInputs(program, 3);
    expect(maxDifference((await runLowered(lowered, args)).result, await runEager(program, args))).toBeLessThan(1e-4);
  });
});

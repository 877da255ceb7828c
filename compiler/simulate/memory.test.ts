import { describe, expect, it } from "vitest";
import { cluster } from "../../dsl/cluster.ts";
import { ProgramBuilder } from "../ir/builder.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { simulateProgram } from "./simulate.ts";

/** x -> relu -> relu -> relu: each value is needed only by the next op. */
function chain(size: number) {
  const b = new ProgramBuilder({ name: "chain", mesh: [{ name: "data", size: 1 }], layoutSpec: "" });
  const x = b.param("x", [{ name: "n", size }]);
  let value = x;
  for (let index = 0; index < 3; index++) value = b.add({ op: "unary", fn: "relu" }, [value], { hint: `h${index}` });
  b.setResult(value);
  return compileProgram(b.finish());
}

describe("peak memory by liveness", () => {
  it("frees a value after its last reader: a chain holds two values at a time, not four", () => {
    const sim = simulateProgram(chain(1000), cluster("a100"));
    expect(sim.memory.peakBytes).toBe(2 * 4 * 1000);
    expect(sim.memory.over).toBe(false);
    expect(sim.warnings).toEqual([]);
  });

  it("flags a plan over the device's memory (MT5102), naming the largest holders", () => {
    const sim = simulateProgram(chain(1000), cluster("a100", { device: { memoryBytes: 4000 } }));
    expect(sim.memory.over).toBe(true);
    expect(sim.warnings.map((warning) => warning.code)).toEqual(["MT5102"]);
    expect(sim.warnings[0].message).toMatch(/needs 8\.00 kB per device at its peak, more than the device's 4\.00 kB; the largest holders: (x|h0|h1|h2) \(/);
  });
});

describe("memory classes of a training step", () => {
  it("counts parameters, optimizer state and saved activations, and weight-update sharding cuts the optimizer state", async () => {
    const { compileFiles } = await import("../index.ts");
    const result = compileFiles(["examples/train/gptTrain.ts"], { typeCheck: false, emit: false });
    const lowered = (name: string) => {
      const found = result.files[0].programs.find((program) => program.name === name);
      if (!found) throw new Error(name);
      return found.lowered;
    };
    const plain = simulateProgram(lowered("gptTrain2d"), cluster("a100")).memory.byClass;
    const sharded = simulateProgram(lowered("gptTrain2dSharded"), cluster("a100")).memory.byClass;
    expect(plain.parameters).toBeGreaterThan(0);
    expect(plain.savedActivations).toBeGreaterThan(0);
    expect(plain.optimizerState).toBeGreaterThan(plain.parameters); // AdamW: two moments per parameter
    expect(sharded.optimizerState).toBeLessThan(plain.optimizerState);
  });
});

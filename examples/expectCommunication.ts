/**
 * Test helper for the examples' communication: compile a program, run it on
 * the simulated mesh against the eager result, and assert the analytic
 * minimum derived in docs/communication.md, as examples/communication.test.ts
 * does: `meshtype explain`'s bytes per device by collective, and the calls and
 * payload bytes the simulated mesh counts (summed over the devices).
 */
import { expect } from "vitest";
import { explainProgram } from "../compiler/explain/explainRows.ts";
import type { Program } from "../compiler/ir/ir.ts";
import { compileProgram } from "../compiler/passes/pipeline.ts";
import { maxDifference, runEager, runLowered, type Args } from "../compiler/testing/harness.ts";

/** Per device, per call of the program: collective kind -> [calls, payload bytes]. */
export type Minimum = Readonly<Record<string, readonly [calls: number, bytes: number]>>;

/** Two minima added, kind by kind. */
export function plus(...parts: readonly (readonly [number, number])[]): readonly [number, number] {
  return [parts.reduce((total, part) => total + part[0], 0), parts.reduce((total, part) => total + part[1], 0)];
}

/** `program`, compiled and run on `args`, equals eager (within `tolerance`) and communicates exactly `expected`. */
export async function expectMinimum(program: Program, args: Args, expected: Minimum, tolerance = 1e-4): Promise<void> {
  const lowered = compileProgram(program);
  const devices = lowered.mesh.reduce((product, axis) => product * axis.size, 1);
  const { result, stats } = await runLowered(lowered, args);
  expect(maxDifference(result, await runEager(program, args))).toBeLessThan(tolerance);
  const perDevice = Object.fromEntries(Object.entries(explainProgram(lowered).bytesByCollective).filter(([kind]) => kind !== "localSlice"));
  expect(perDevice, "explain's bytes per device").toEqual(Object.fromEntries(Object.entries(expected).map(([kind, [, bytes]]) => [kind, bytes])));
  const counted = new Map<string, [number, number]>();
  for (const entry of stats.entries()) {
    if (entry.payloadBytes === 0) continue;
    const [calls, bytes] = counted.get(entry.kind) ?? [0, 0];
    counted.set(entry.kind, [calls + entry.calls, bytes + entry.payloadBytes]);
  }
  expect(Object.fromEntries(counted), "the simulated mesh's calls and bytes").toEqual(
    Object.fromEntries(Object.entries(expected).map(([kind, [calls, bytes]]) => [kind, [calls * devices, bytes * devices]])),
  );
}

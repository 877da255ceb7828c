import { describe, expect, it } from "vitest";
import { cluster, clusterFromJson, clusterPresetNames } from "./cluster.ts";
import { clusterPresets } from "./clusterPresets.ts";
import { MeshtypeError } from "./errors.ts";

describe("cluster presets", () => {
  it("are complete and pass the checks, with measured figures below the peaks", () => {
    expect(clusterPresetNames()).toEqual(["v100", "a100", "h100", "h200"]);
    for (const name of clusterPresetNames()) {
      const spec = cluster(name as keyof typeof clusterPresets);
      for (const precision of ["fp32", "tf32", "bf16"] as const) {
        expect(spec.device.measured.matmulFlops[precision]).toBeLessThanOrEqual(spec.device.peakFlops[precision]);
      }
      expect(spec.device.measured.memoryBandwidth).toBeLessThan(spec.device.memoryBandwidth);
      expect(spec.sources.length).toBeGreaterThan(2);
    }
  });

  it("say what a V100 does for bf16", () => {
    expect(clusterPresets.v100.device.bf16Note).toMatch(/fp16 tensor-core/);
    expect(clusterPresets.v100.device.peakFlops.bf16).toBe(125e12);
  });
});

describe("cluster()", () => {
  it("changes the node count and single figures of a preset, keeping the rest", () => {
    const spec = cluster("a100", { nodes: 16, interNode: { efficiency: 0.5 }, device: { measured: { matmulFlops: { bf16: 250e12 } } } });
    expect(spec.nodes).toBe(16);
    expect(spec.interNode.efficiency).toBe(0.5);
    expect(spec.interNode.bandwidthPerNode).toBe(clusterPresets.a100.interNode.bandwidthPerNode);
    expect(spec.device.measured.matmulFlops).toEqual({ ...clusterPresets.a100.device.measured.matmulFlops, bf16: 250e12 });
  });

  it("names a bad figure and the unknown preset", () => {
    expect(() => cluster("a100", { nodes: 0 })).toThrow(/cluster\("a100"\): nodes must be a positive integer/);
    expect(() => cluster("h100", { interNode: { efficiency: 2 } })).toThrow(/interNode.efficiency must be a fraction/);
    expect(() => cluster("a1000" as "a100")).toThrow(/no preset named "a1000" \(presets: v100, a100, h100, h200\)/);
  });
});

describe("clusterFromJson", () => {
  it("reads a preset with changes, and a whole description", () => {
    expect(clusterFromJson({ preset: "h200", nodes: 4 }, "c.json").nodes).toBe(4);
    const whole = JSON.parse(JSON.stringify(clusterPresets.v100));
    expect(clusterFromJson({ ...whole, name: "mine" }, "c.json").name).toBe("mine");
  });

  it("rejects a description with a missing figure, naming the field and the file", () => {
    const whole = JSON.parse(JSON.stringify(clusterPresets.v100));
    delete whole.device.measured.memoryBandwidth;
    const read = () => clusterFromJson(whole, "c.json");
    expect(read).toThrow(MeshtypeError);
    expect(read).toThrow(/^c\.json: device\.measured\.memoryBandwidth must be a positive number/);
    expect(() => clusterFromJson([1], "c.json")).toThrow(/c\.json: a cluster is a JSON object/);
  });
});

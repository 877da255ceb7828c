import { describe, expect, it } from "vitest";
import { formatMesh, meshShapes } from "./meshShapes.ts";

describe("meshShapes", () => {
  it("factorizes the devices into an outer and an inner axis, the inner one growing", () => {
    expect(meshShapes(8).map(formatMesh)).toEqual(["data=8", "data=4 model=2", "data=2 model=4", "model=8"]);
    expect(meshShapes(1).map(formatMesh)).toEqual(["data=1"]);
    expect(meshShapes(12, ["dp", "tp"]).map(formatMesh)).toEqual(["dp=12", "dp=6 tp=2", "dp=4 tp=3", "dp=3 tp=4", "dp=2 tp=6", "tp=12"]);
    expect(meshShapes(1024)).toHaveLength(11);
  });
});

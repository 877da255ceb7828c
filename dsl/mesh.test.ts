import { describe, expect, it } from "vitest";
import { Mesh, mesh } from "./mesh.ts";
import { messageOf } from "./testSupport.ts";


describe("mesh({...})", () => {
  const M = mesh({ data: 4, model: 2 });

  it("keeps sizes, axes in order and the device count", () => {
    expect(M.sizes).toEqual({ data: 4, model: 2 });
    expect(M.axes).toEqual([
      { name: "data", size: 4 },
      { name: "model", size: 2 },
    ]);
    expect(M.deviceCount).toBe(8);
    expect(String(M)).toBe("mesh({ data: 4, model: 2 })");
  });

  it("numbers devices row-major, the last axis fastest", () => {
    expect(M.coords(5)).toEqual({ data: 2, model: 1 });
    for (let device = 0; device < M.deviceCount; device++) expect(M.deviceAt(M.coords(device))).toBe(device);
    expect(M.group(5, "data")).toEqual([1, 3, 5, 7]);
    expect(M.group(5, "model")).toEqual([4, 5]);
  });

  it("names the mesh and its axes for an unknown axis", () => {
    expect(messageOf(() => M.axisSize("modle"))).toBe(
      'Unknown mesh axis "modle" in mesh({ data: 4, model: 2 }). The mesh has axes: data, model. Fix the spelling or add "modle" to mesh({...}).',
    );
    expect(messageOf(() => M.axisSize("toString"))).toMatch(/Unknown mesh axis "toString"/);
    expect(M.axisSize("model")).toBe(2);
  });

  it.each([
    [{ data: 0 }, 'Mesh axis "data" has size 0; an axis size is a positive integer. Give data a whole number of devices of at least 1.'],
    [{ data: 2.5 }, 'Mesh axis "data" has size 2.5; an axis size is a positive integer. Give data a whole number of devices of at least 1.'],
    [
      { "x-y": 2 },
      'mesh({...}) declares "x-y", which is not a mesh axis name. Use letters, digits and _ (not starting with a digit).',
    ],
  ])("rejects %o", (sizes, message) => {
    expect(messageOf(() => new Mesh(sizes as Record<string, number>))).toBe(message);
  });
});

/**
 * Where a device's block of a split dim lies in the whole dim, for seeded
 * element-wise ops that draw from the global index (`dropout`'s `block`
 * option): generated device code passes `blockDim(ctx, size, axes)` for each
 * split dim of the value.
 */
import type { DropoutBlockDim } from "../ops/dropout.ts";
import { blockOf, type DevicePlace } from "./padding.ts";

/**
 * The offset of this device's block of a dim of global `size`, split over the
 * mesh axes `axes` (names, major first), and that size.
 *
 * @example
 * dropout(h, 0.1, { seed: 0, name: "hidden" }, { block: { d_ff: blockDim(ctx, 4096, ["model"]) } }); // model=1 of 4: { offset: 1024, size: 4096 }
 */
export function blockDim(device: DevicePlace, size: number, axes: readonly string[]): DropoutBlockDim {
  return { offset: blockOf(size, axes.map((name) => ({ name, size: device.mesh.sizes[name] })), device.coords).offset, size };
}

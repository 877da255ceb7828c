/**
 * The mesh shapes `meshtype plan` tries for a device count: every
 * factorization of the devices into a `data` and a `model` axis (either may
 * be absent), in the order the devices are ranked: row-major, the last axis
 * varying fastest, so on a cluster of nodes the `model` axis is the inner
 * one and stays inside a node while its size divides the devices per node
 * (the cost model prices the links each axis spans). Axis names follow the
 * user's binding when it has two axes.
 */
import type { MeshAxis } from "../../dsl/mesh.ts";

/** The divisors of n, ascending. */
function divisors(n: number): number[] {
  const found: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) found.push(d);
  return found;
}

/** Every [outer, inner] mesh of `devices` devices (size-1 axes left out), the inner axis from 1 up (see the module comment). */
export function meshShapes(devices: number, names: readonly [outer: string, inner: string] = ["data", "model"]): MeshAxis[][] {
  if (!Number.isInteger(devices) || devices < 1) throw new Error(`meshShapes: ${devices} is not a device count`);
  return divisors(devices).map((inner) => {
    const axes: MeshAxis[] = [];
    if (devices / inner > 1) axes.push({ name: names[0], size: devices / inner });
    if (inner > 1) axes.push({ name: names[1], size: inner });
    return axes.length === 0 ? [{ name: names[0], size: 1 }] : axes;
  });
}

/** `data=8 model=8`. */
export function formatMesh(mesh: readonly MeshAxis[]): string {
  return mesh.map((axis) => `${axis.name}=${axis.size}`).join(" ");
}

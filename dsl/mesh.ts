import { MeshtypeError } from "./errors.ts";
import { writeBadAxisNameMessage, writeBadAxisSizeMessage, writeMeshUnknownAxisMessage } from "./messages/mesh.ts";
import { isName } from "./types/names.ts";
import type { ValidateAxes } from "./types/validateSizes.ts";

/** One named axis of a device mesh. */
export interface MeshAxis {
  readonly name: string;
  readonly size: number;
}

/**
 * A logical mesh of devices with named axes, e.g. `{ data: 4, model: 2 }` is 8
 * devices. Device ids are row-major over the axes in declaration order (the
 * last axis varies fastest), like `jax.sharding.Mesh` over a reshaped device list.
 */
export class Mesh<Axes extends Record<string, number> = Record<string, number>> {
  readonly sizes: Axes;
  readonly axes: readonly MeshAxis[];
  /** Total number of devices: the product of the axis sizes. */
  readonly deviceCount: number;

  constructor(sizes: Axes) {
    const axes: MeshAxis[] = [];
    for (const [name, size] of Object.entries(sizes)) {
      if (!isName(name)) throw new MeshtypeError("bad-axis-name", writeBadAxisNameMessage(name));
      if (!Number.isInteger(size) || size < 1) {
        throw new MeshtypeError("bad-axis-size", writeBadAxisSizeMessage(name, size));
      }
      axes.push({ name, size });
    }
    this.sizes = Object.freeze({ ...sizes });
    this.axes = axes;
    this.deviceCount = axes.reduce((product, axis) => product * axis.size, 1);
  }

  /** Size of the axis called `name`; an error naming the mesh's axes if there is none. */
  axisSize(name: string): number {
    const size = Object.hasOwn(this.sizes, name) ? this.sizes[name] : undefined;
    if (size === undefined) {
      const axes = this.axes.map((axis) => axis.name).join(", ");
      throw new MeshtypeError("unknown-axis", writeMeshUnknownAxisMessage(name, String(this), axes));
    }
    return size;
  }

  /** The coordinate of `device` on every axis, keyed by axis name. */
  coords(device: number): Record<string, number> {
    const coords: Record<string, number> = {};
    let rest = device;
    for (let index = this.axes.length - 1; index >= 0; index--) {
      const axis = this.axes[index];
      coords[axis.name] = rest % axis.size;
      rest = Math.floor(rest / axis.size);
    }
    return coords;
  }

  /** The device id at the given coordinates (every axis must be given). */
  deviceAt(coords: Record<string, number>): number {
    let device = 0;
    for (const axis of this.axes) device = device * axis.size + coords[axis.name];
    return device;
  }

  /**
   * The devices that share every coordinate of `device` except on `axis`, in
   * axis order: the group a collective over `axis` runs in.
   */
  group(device: number, axis: string): number[] {
    const size = this.axisSize(axis);
    const coords = this.coords(device);
    return Array.from({ length: size }, (_, index) => this.deviceAt({ ...coords, [axis]: index }));
  }

  /**
   * The devices that differ from `device` only on `axes` (distinct mesh
   * axes), in row-major order of those axes in mesh order: the group of a
   * collective over several axes at once. One axis gives `group`.
   */
  groupOver(device: number, axes: readonly string[]): number[] {
    for (const axis of axes) this.axisSize(axis);
    let members = [device];
    for (const axis of this.axes) {
      if (!axes.includes(axis.name)) continue;
      members = members.flatMap((member) => this.group(member, axis.name));
    }
    return members;
  }

  toString(): string {
    return `mesh({ ${this.axes.map((axis) => `${axis.name}: ${axis.size}`).join(", ")} })`;
  }
}

/**
 * Declare a mesh of devices with named axes. Axis names are identifiers and
 * sizes positive integers; the editor flags a bad one as you type.
 *
 * @example
 * const M = mesh({ data: 4, model: 2 }); // 8 devices
 */
export function mesh<const Axes extends Record<string, number>>(sizes: ValidateAxes<Axes>): Mesh<Axes> {
  return new Mesh(sizes as Axes);
}

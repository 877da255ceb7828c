import type { Dims } from "./dims.ts";
import { MeshtypeError } from "./errors.ts";
import type { Mesh } from "./mesh.ts";
import {
  writeAxisReusedMessage,
  writeIndivisibleMessage,
  writeLayoutUnknownDimMessage,
  writeLayoutWhat,
  writeUnknownAxisMessage,
} from "./messages/layout.ts";
import { isOpenLayout, parseLayout, type LayoutRule } from "./parseLayout.ts";
import type { Dim } from "./tensor.ts";
import type { ValidateLayout } from "./types/validateLayout.ts";

/**
 * How the named dims of a model are laid out over a mesh (Mesh-TF "layout
 * rules"): each rule splits one dim over one mesh axis; a dim with no rule is
 * replicated. Two dims may share an axis as long as no one tensor has both.
 *
 * The type parameters keep the literal mesh axes, dim sizes and layout string
 * so the editor and the compiler can read them from the type.
 */
export class Layout<
  Axes extends Record<string, number> = Record<string, number>,
  Sizes extends Record<string, number> = Record<string, number>,
  Spec extends string = string,
> {
  readonly mesh: Mesh<Axes>;
  readonly dims: Dims<Sizes>;
  readonly spec: Spec;
  readonly rules: readonly LayoutRule[];
  /**
   * True for an open layout (`"batch:data, auto"`, `"auto"`): the dims its
   * rules do not name are the compiler's to lay out; otherwise they are replicated.
   */
  readonly open: boolean;
  private readonly axisByDim: ReadonlyMap<string, string>;

  constructor(mesh: Mesh<Axes>, dims: Dims<Sizes>, spec: Spec) {
    this.mesh = mesh;
    this.dims = dims;
    this.spec = spec;
    this.rules = parseLayout(spec);
    this.open = isOpenLayout(spec);
    for (const rule of this.rules) {
      const size = Object.hasOwn(dims.sizes, rule.dim) ? dims.sizes[rule.dim] : undefined;
      if (size === undefined) {
        throw new MeshtypeError("layout-unknown-dim", writeLayoutUnknownDimMessage(rule.dim, spec));
      }
      const axisSize = Object.hasOwn(mesh.sizes, rule.axis) ? mesh.sizes[rule.axis] : undefined;
      if (axisSize === undefined) {
        throw new MeshtypeError("layout-unknown-axis", writeUnknownAxisMessage(rule.dim, rule.axis, spec));
      }
      if (size % axisSize !== 0) {
        throw new MeshtypeError(
          "layout-indivisible",
          writeIndivisibleMessage(writeLayoutWhat(spec), rule.dim, size, rule.axis, axisSize, spec),
        );
      }
    }
    this.axisByDim = new Map(this.rules.map((rule) => [rule.dim, rule.axis]));
  }

  /** The mesh axis `dim` is split over, or undefined when it is replicated. */
  axisOf(dim: string): string | undefined {
    return this.axisByDim.get(dim);
  }

  /**
   * The mesh axis of each dim of one tensor (undefined = replicated), after
   * checking the two rules that need the tensor: no two of its dims on one axis,
   * and every split size divisible by its axis. `what` names the tensor in messages.
   */
  axesFor(dims: readonly Dim[], what: string): (string | undefined)[] {
    const owner = new Map<string, string>();
    return dims.map((dim) => {
      const axis = this.axisByDim.get(dim.name);
      if (axis === undefined) return undefined;
      const other = owner.get(axis);
      if (other !== undefined) {
        throw new MeshtypeError("layout-axis-reused", writeAxisReusedMessage(what, other, dim.name, axis, this.spec));
      }
      owner.set(axis, dim.name);
      const axisSize = this.mesh.sizes[axis];
      if (dim.size % axisSize !== 0) {
        throw new MeshtypeError(
          "layout-indivisible",
          writeIndivisibleMessage(what, dim.name, dim.size, axis, axisSize, this.spec),
        );
      }
      return axis;
    });
  }
}

/**
 * Lay out the dims `D` over the mesh `M`. The editor checks the layout string
 * as you type: its syntax, that every dim is declared, every axis is on the
 * mesh, no dim is listed twice, and (for axes up to 1024) that each axis
 * divides its dim's size. The same checks run here at run time.
 *
 * @example
 * const L = layout(M, D, "batch:data, d_ff:model");
 */
export function layout<
  const Axes extends Record<string, number>,
  const Sizes extends Record<string, number>,
  const Spec extends string,
>(mesh: Mesh<Axes>, dims: Dims<Sizes>, spec: ValidateLayout<Spec, Axes, Sizes>): Layout<Axes, Sizes, Spec> {
  return new Layout(mesh, dims, spec as Spec);
}

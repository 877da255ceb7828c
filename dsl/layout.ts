import type { Dims } from "./dims.ts";
import { MeshtypeError } from "./errors.ts";
import type { Mesh } from "./mesh.ts";
import { parseLayout, type LayoutRule } from "./parseLayout.ts";
import type { Dim } from "./tensor.ts";

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
  private readonly axisByDim: ReadonlyMap<string, string>;

  constructor(mesh: Mesh<Axes>, dims: Dims<Sizes>, spec: Spec) {
    this.mesh = mesh;
    this.dims = dims;
    this.spec = spec;
    this.rules = parseLayout(spec);
    for (const rule of this.rules) {
      if (!(rule.dim in dims.sizes)) {
        throw new MeshtypeError(
          "layout-unknown-dim",
          `Layout "${spec}" names dim "${rule.dim}", which is not declared. Declared dims: ${Object.keys(dims.sizes).join(", ")}.`,
        );
      }
      if (!(rule.axis in mesh.sizes)) {
        throw new MeshtypeError(
          "layout-unknown-axis",
          `Layout "${spec}" puts "${rule.dim}" on mesh axis "${rule.axis}", which ${mesh} does not have. Use one of: ${mesh.axes.map((axis) => axis.name).join(", ")}.`,
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
        throw new MeshtypeError(
          "layout-axis-reused",
          `${what} puts two of its dims, "${other}" and "${dim.name}", on mesh axis "${axis}" under layout "${this.spec}". ` +
            `A tensor can split only one dim over an axis: move one of them to another axis or leave it replicated.`,
        );
      }
      owner.set(axis, dim.name);
      const axisSize = this.mesh.sizes[axis];
      if (dim.size % axisSize !== 0) {
        throw new MeshtypeError(
          "layout-indivisible",
          `${what}: dim "${dim.name}" has size ${dim.size}, which mesh axis "${axis}" (size ${axisSize}) does not divide. ` +
            `Either change the layout "${this.spec}" to leave "${dim.name}" replicated or put it on another axis, or make ${dim.name} a multiple of ${axisSize}.`,
        );
      }
      return axis;
    });
  }
}

/**
 * Lay out the dims `D` over the mesh `M`.
 *
 * @example
 * const L = layout(M, D, "batch:data, d_ff:model");
 */
export function layout<
  const Axes extends Record<string, number>,
  const Sizes extends Record<string, number>,
  const Spec extends string,
>(mesh: Mesh<Axes>, dims: Dims<Sizes>, spec: Spec): Layout<Axes, Sizes, Spec> {
  return new Layout(mesh, dims, spec);
}

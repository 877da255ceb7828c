import type { Dims } from "./dims.ts";
import { MeshtypeError } from "./errors.ts";
import type { Mesh } from "./mesh.ts";
import {
  writeAxisReusedMessage,
  writeIndivisibleMessage,
  writeLayoutUnknownDimMessage,
  writeLayoutWhat,
  writeNotDividedBy,
  writeUnknownAxisMessage,
} from "./messages/layout.ts";
import { groupRules, isOpenLayout, parseLayout, type LayoutRule, type LayoutRuleGroup } from "./parseLayout.ts";
import type { Dim } from "./tensor.ts";
import type { ValidateLayout } from "./types/validateLayout.ts";

/**
 * How the named dims of a model are laid out over a mesh (Mesh-TF "layout
 * rules"): each rule splits one dim over one mesh axis, or over several
 * (`"batch:(data, fsdp)"`, major first); a dim with no rule is replicated.
 * Two dims may share an axis as long as no one tensor has both. A rule
 * written `dim:padded(...)` may split its dim unevenly: every shard holds
 * ceil(size / devices), the last ones padded.
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
  private readonly groupByDim: ReadonlyMap<string, LayoutRuleGroup>;

  constructor(mesh: Mesh<Axes>, dims: Dims<Sizes>, spec: Spec) {
    this.mesh = mesh;
    this.dims = dims;
    this.spec = spec;
    this.rules = parseLayout(spec);
    this.open = isOpenLayout(spec);
    const groups = groupRules(this.rules);
    for (const group of groups) {
      const size = Object.hasOwn(dims.sizes, group.dim) ? dims.sizes[group.dim] : undefined;
      if (size === undefined) {
        throw new MeshtypeError("layout-unknown-dim", writeLayoutUnknownDimMessage(group.dim, spec));
      }
      let devices = 1;
      for (const axis of group.axes) {
        const axisSize = Object.hasOwn(mesh.sizes, axis) ? mesh.sizes[axis] : undefined;
        if (axisSize === undefined) {
          throw new MeshtypeError("layout-unknown-axis", writeUnknownAxisMessage(group.dim, axis, spec));
        }
        devices *= axisSize;
      }
      if (!group.padded && size % devices !== 0) {
        throw new MeshtypeError(
          "layout-indivisible",
          writeIndivisibleMessage(writeLayoutWhat(spec), group.dim, size, writeNotDividedBy(group.axes, devices), group.axes.join(", "), devices, spec),
        );
      }
    }
    this.groupByDim = new Map(groups.map((group) => [group.dim, group]));
  }

  /** The major mesh axis `dim` is split over, or undefined when it is replicated (see `axesOf` for all of them). */
  axisOf(dim: string): string | undefined {
    return this.groupByDim.get(dim)?.axes[0];
  }

  /** The mesh axes `dim` is split over, major first; empty when it is replicated. */
  axesOf(dim: string): readonly string[] {
    return this.groupByDim.get(dim)?.axes ?? [];
  }

  /** True when the rule for `dim` opts into an uneven split (`dim:padded(...)`). */
  isPadded(dim: string): boolean {
    return this.groupByDim.get(dim)?.padded === true;
  }

  /**
   * The mesh axes of each dim of one tensor, major first (empty =
   * replicated), after checking the two rules that need the tensor: no two of
   * its dims on one axis, and every split size divisible by the product of
   * its axes unless its rule is `padded(...)`. `what` names the tensor in messages.
   */
  axesFor(dims: readonly Dim[], what: string): (readonly string[])[] {
    const owner = new Map<string, string>();
    return dims.map((dim) => {
      const group = this.groupByDim.get(dim.name);
      if (group === undefined) return [];
      let devices = 1;
      for (const axis of group.axes) {
        const other = owner.get(axis);
        if (other !== undefined) {
          throw new MeshtypeError("layout-axis-reused", writeAxisReusedMessage(what, other, dim.name, axis, this.spec));
        }
        owner.set(axis, dim.name);
        devices *= this.mesh.sizes[axis];
      }
      if (!group.padded && dim.size % devices !== 0) {
        throw new MeshtypeError(
          "layout-indivisible",
          writeIndivisibleMessage(what, dim.name, dim.size, writeNotDividedBy(group.axes, devices), group.axes.join(", "), devices, this.spec),
        );
      }
      return group.axes;
    });
  }
}

/**
 * Lay out the dims `D` over the mesh `M`. The editor checks the layout string
 * as you type: its syntax, that every dim is declared, every axis is on the
 * mesh, no dim is listed twice nor an axis twice in one rule, and (for
 * products of axes up to 1024) that a rule's axes divide its dim's size
 * unless the rule is `padded(...)`. The same checks run here at run time.
 *
 * @example
 * const L = layout(M, D, "batch:data, d_ff:model");
 * const Fsdp = layout(mesh({ data: 2, fsdp: 4 }), D, "batch:(data, fsdp)");
 * const Vocab = layout(mesh({ model: 8 }), dims({ vocab: 50257 }), "vocab:padded(model)");
 */
export function layout<
  const Axes extends Record<string, number>,
  const Sizes extends Record<string, number>,
  const Spec extends string,
>(mesh: Mesh<Axes>, dims: Dims<Sizes>, spec: ValidateLayout<Spec, Axes, Sizes>): Layout<Axes, Sizes, Spec> {
  return new Layout(mesh, dims, spec as Spec);
}

import { MeshtypeError } from "./errors.ts";

/** One rule of a layout: the dim `dim` is split over the mesh axis `axis`. */
export interface LayoutRule {
  readonly dim: string;
  readonly axis: string;
}

/**
 * Parse a layout string such as `"batch:data, d_ff:model"` into its rules.
 * Syntax only: names are checked against a mesh and dims by `layout()`.
 * An empty string is the fully replicated layout.
 *
 * Runtime twin of the type-level `ParseLayout` (added beside it).
 */
export function parseLayout(spec: string): LayoutRule[] {
  const rules: LayoutRule[] = [];
  if (spec.trim() === "") return rules;
  const seen = new Map<string, string>();
  for (const part of spec.split(",")) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(part);
    if (!match) {
      throw new MeshtypeError(
        "layout-syntax",
        `Cannot read "${part.trim()}" in layout "${spec}". Write each rule as dim:axis, separated by commas, e.g. "batch:data, d_ff:model".`,
      );
    }
    const [, dim, axis] = match;
    const previous = seen.get(dim);
    if (previous !== undefined) {
      throw new MeshtypeError(
        "layout-repeated-dim",
        `Dim "${dim}" is listed twice in layout "${spec}" (on "${previous}" and on "${axis}"). Keep one rule for "${dim}".`,
      );
    }
    seen.set(dim, axis);
    rules.push({ dim, axis });
  }
  return rules;
}

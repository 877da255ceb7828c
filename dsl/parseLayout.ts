import { MeshtypeError } from "./errors.ts";
import { writeLayoutRepeatedDimMessage, writeLayoutSyntaxMessage } from "./messages/layout.ts";
import { isName, trim, type IsName, type Trim } from "./types/names.ts";

/** One rule of a layout: the dim `dim` is split over the mesh axis `axis`. */
export interface LayoutRule {
  readonly dim: string;
  readonly axis: string;
}

/** The word that ends an open layout: `"batch:data, auto"`, or `"auto"` alone. */
export const AUTO_LAYOUT = "auto";

/**
 * True when the layout string ends with `auto` (alone, or after its rules):
 * its rules are fixed, and the dims it does not name are the planner's to
 * lay out (`"batch:data, auto"`; `"auto"`: only the mesh is fixed). Without
 * it, a dim the layout does not name is replicated.
 */
export function isOpenLayout(spec: string): boolean {
  const parts = spec.split(",");
  return trim(parts[parts.length - 1]) === AUTO_LAYOUT;
}

/**
 * Parse a layout string such as `"batch:data, d_ff:model"` into its rules.
 * Syntax only: names are checked against a mesh and dims by `layout()`.
 * An empty (or blank) string is the fully replicated layout. Blanks are
 * spaces, tabs and line breaks. A last part `auto` opens the layout (see
 * `isOpenLayout`) and is not a rule.
 *
 * Runtime twin of the type-level {@link ParseLayout}: both report the first
 * fault, in the same order, with the same message.
 */
export function parseLayout(spec: string): LayoutRule[] {
  const rules: LayoutRule[] = [];
  if (trim(spec) === "") return rules;
  const seen = new Map<string, string>();
  const parts = spec.split(",");
  if (isOpenLayout(spec)) parts.pop();
  for (const rawPart of parts) {
    const part = trim(rawPart);
    const colon = part.indexOf(":");
    const dim = trim(part.slice(0, colon));
    const axis = trim(part.slice(colon + 1));
    if (colon < 0 || !isName(dim) || !isName(axis)) {
      throw new MeshtypeError("layout-syntax", writeLayoutSyntaxMessage(part, spec));
    }
    const previous = seen.get(dim);
    if (previous !== undefined) {
      throw new MeshtypeError("layout-repeated-dim", writeLayoutRepeatedDimMessage(dim, spec, previous, axis));
    }
    seen.set(dim, axis);
    rules.push({ dim, axis });
  }
  return rules;
}

/** A parsed rule at the type level: `[dim, axis]`. */
export type RuleTuple = [dim: string, axis: string];

type SplitParts<S extends string, Acc extends string[] = []> = S extends `${infer Head},${infer Rest}`
  ? SplitParts<Rest, [...Acc, Head]>
  : [...Acc, S];

type ParseRule<Part extends string> = Part extends `${infer Dim}:${infer Axis}`
  ? [Trim<Dim>, Trim<Axis>] extends [infer DimName extends string, infer AxisName extends string]
    ? [IsName<DimName>, IsName<AxisName>] extends [true, true]
      ? [DimName, AxisName]
      : undefined
    : undefined
  : undefined;

type ParseRules<Parts extends string[], Spec extends string, Acc extends RuleTuple[] = []> = Parts extends [
  infer Part extends string,
  ...infer Rest extends string[],
]
  ? [Trim<Part>, Rest] extends [typeof AUTO_LAYOUT, []]
    ? Acc
    : ParseRule<Trim<Part>> extends [infer Dim extends string, infer Axis extends string]
      ? Extract<Acc[number], [Dim, string]> extends infer Earlier
        ? [Earlier] extends [never]
          ? ParseRules<Rest, Spec, [...Acc, [Dim, Axis]]>
          : Earlier extends [string, infer Previous extends string]
            ? writeLayoutRepeatedDimMessage<Dim, Spec, Previous, Axis>
            : never
        : never
      : writeLayoutSyntaxMessage<Trim<Part>, Spec>
  : Acc;

/**
 * Type-level twin of {@link parseLayout}: the rules of the layout string `S`
 * as `[dim, axis]` tuples, or the message `parseLayout(S)` would throw (a
 * string). A non-literal `string` parses to `RuleTuple[]`.
 *
 * @example
 * type R = ParseLayout<"batch:data, d_ff:model">; // [["batch", "data"], ["d_ff", "model"]]
 * type O = ParseLayout<"batch:data, auto">;       // [["batch", "data"]] (an open layout)
 * type E = ParseLayout<"batch=data">;            // 'Cannot read "batch=data" in layout ...'
 */
export type ParseLayout<S extends string> = string extends S
  ? RuleTuple[]
  : Trim<S> extends ""
    ? []
    : ParseRules<SplitParts<S>, S>;

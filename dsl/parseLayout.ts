/**
 * Layout strings, parsed by twin parsers (runtime `parseLayout`, type-level
 * `ParseLayout`) that report the same first fault with the same message.
 *
 * Grammar (blanks allowed around every name and punctuation mark):
 *
 *     layout := "" | rules | rules "," "auto" | "auto"
 *     rules  := rule ("," rule)*
 *     rule   := dim ":" axes
 *     axes   := axis | "(" axis ("," axis)* ")" | "padded" "(" axis ("," axis)* ")"
 *
 * `batch:(data, fsdp)` splits one dim over several mesh axes, major to minor
 * as written (JAX's `PartitionSpec(("data", "fsdp"))`): the device at
 * coordinates (data=i, fsdp=j) holds block i of `data`'s blocks, and block j
 * of that block's `fsdp` blocks. `vocab:padded(model)` opts into an uneven
 * split: a size the axes do not divide is split into blocks of
 * ceil(size / devices), the last ones short (padded). Without `padded`, a
 * size the axes do not divide is an error (in the editor and at run time).
 */
import { MeshtypeError } from "./errors.ts";
import { writeLayoutRepeatedAxisMessage, writeLayoutRepeatedDimMessage, writeLayoutSyntaxMessage } from "./messages/layout.ts";
import { isName, trim, type IsName, type Trim } from "./types/names.ts";

/**
 * One entry of a parsed layout: the dim `dim` is split over the mesh axis
 * `axis`. A rule over several axes is one entry per axis, consecutive, major
 * first (`batch:(data, fsdp)` is `batch:data` then `batch:fsdp`); every entry
 * of a `padded(...)` rule has `padded: true`.
 */
export interface LayoutRule {
  readonly dim: string;
  readonly axis: string;
  /** The rule was written `dim:padded(...)`: the axes may split the dim unevenly. */
  readonly padded?: true;
}

/** One rule as written: a dim, the mesh axes it is split over (major first), and whether it may be uneven. */
export interface LayoutRuleGroup {
  readonly dim: string;
  readonly axes: readonly string[];
  readonly padded: boolean;
}

/** The word that ends an open layout: `"batch:data, auto"`, or `"auto"` alone. */
export const AUTO_LAYOUT = "auto";

/** The word that opts a rule into an uneven split: `"vocab:padded(model)"`. */
export const PADDED_RULE = "padded";

/** The comma-separated parts of a layout string, a parenthesized list of axes kept in its part. */
function layoutParts(spec: string): string[] {
  const raw = spec.split(",");
  const parts: string[] = [];
  for (let index = 0; index < raw.length; index++) {
    let part = raw[index];
    while (part.includes("(") && !part.includes(")") && index + 1 < raw.length) part += `,${raw[++index]}`;
    parts.push(part);
  }
  return parts;
}

/**
 * True when the layout string ends with `auto` (alone, or after its rules):
 * its rules are fixed, and the dims it does not name are the planner's to
 * lay out (`"batch:data, auto"`; `"auto"`: only the mesh is fixed). Without
 * it, a dim the layout does not name is replicated.
 */
export function isOpenLayout(spec: string): boolean {
  const parts = layoutParts(spec);
  return trim(parts[parts.length - 1]) === AUTO_LAYOUT;
}

/** The axes of one rule's right-hand side (`model`, `(data, fsdp)`, `padded(model)`), or undefined when it is not one. */
function readAxes(text: string): { axes: string[]; padded: boolean } | undefined {
  if (isName(text)) return { axes: [text], padded: false };
  let rest = text;
  let padded = false;
  if (rest.startsWith(PADDED_RULE) && trim(rest.slice(PADDED_RULE.length)).startsWith("(")) {
    rest = trim(rest.slice(PADDED_RULE.length));
    padded = true;
  }
  if (!rest.startsWith("(") || !rest.endsWith(")")) return undefined;
  const axes = rest.slice(1, -1).split(",").map(trim);
  return axes.every(isName) ? { axes, padded } : undefined;
}

/** How messages write a rule's axes: `data`, `(data, fsdp)`, `padded(model)`. */
export function formatRuleAxes(group: Pick<LayoutRuleGroup, "axes" | "padded">): string {
  if (group.padded) return `${PADDED_RULE}(${group.axes.join(", ")})`;
  return group.axes.length === 1 ? group.axes[0] : `(${group.axes.join(", ")})`;
}

/** The rules of a parsed layout as written: consecutive entries of one dim make one rule. */
export function groupRules(rules: readonly LayoutRule[]): LayoutRuleGroup[] {
  const groups: { dim: string; axes: string[]; padded: boolean }[] = [];
  for (const rule of rules) {
    const group = groups.find((entry) => entry.dim === rule.dim);
    if (group) group.axes.push(rule.axis);
    else groups.push({ dim: rule.dim, axes: [rule.axis], padded: rule.padded === true });
  }
  return groups;
}

/** Parsed rules back as a layout string: `batch:(data, fsdp), vocab:padded(model)`. */
export function formatRules(rules: readonly LayoutRule[]): string {
  return groupRules(rules).map((group) => `${group.dim}:${formatRuleAxes(group)}`).join(", ");
}

/**
 * Parse a layout string such as `"batch:(data, fsdp), d_ff:model"` into its
 * rules (one entry per dim and axis, see `LayoutRule`). Syntax only: names are
 * checked against a mesh and dims by `layout()`. An empty (or blank) string is
 * the fully replicated layout. Blanks are spaces, tabs and line breaks. A last
 * part `auto` opens the layout (see `isOpenLayout`) and is not a rule.
 *
 * Runtime twin of the type-level {@link ParseLayout}: both report the first
 * fault, in the same order (syntax, an axis twice in one rule, a dim in two
 * rules), with the same message.
 */
export function parseLayout(spec: string): LayoutRule[] {
  const rules: LayoutRule[] = [];
  if (trim(spec) === "") return rules;
  const seen = new Map<string, string>();
  const parts = layoutParts(spec);
  if (isOpenLayout(spec)) parts.pop();
  for (const rawPart of parts) {
    const part = trim(rawPart);
    const colon = part.indexOf(":");
    const dim = trim(part.slice(0, colon));
    const read = colon < 0 ? undefined : readAxes(trim(part.slice(colon + 1)));
    if (read === undefined || !isName(dim)) {
      throw new MeshtypeError("layout-syntax", writeLayoutSyntaxMessage(part, spec));
    }
    const twice = read.axes.find((axis, index) => read.axes.indexOf(axis) !== index);
    if (twice !== undefined) {
      throw new MeshtypeError("layout-repeated-axis", writeLayoutRepeatedAxisMessage(dim, twice, spec));
    }
    const written = formatRuleAxes(read);
    const previous = seen.get(dim);
    if (previous !== undefined) {
      throw new MeshtypeError("layout-repeated-dim", writeLayoutRepeatedDimMessage(dim, spec, previous, written));
    }
    seen.set(dim, written);
    for (const axis of read.axes) rules.push(read.padded ? { dim, axis, padded: true } : { dim, axis });
  }
  return rules;
}

/** A parsed entry at the type level: `[dim, axis, padded]` (one per dim and axis, as `LayoutRule`). */
export type RuleTuple = [dim: string, axis: string, padded: boolean];

type SplitParts<S extends string, Acc extends string[] = []> = S extends `${infer Head},${infer Rest}`
  ? SplitParts<Rest, [...Acc, Head]>
  : [...Acc, S];

/** Twin of `layoutParts`: a part with "(" and no ")" takes the parts after it until one has ")". */
type MergeParts<Parts extends string[], Acc extends string[] = []> = Parts extends [
  infer Part extends string,
  infer Next extends string,
  ...infer Rest extends string[],
]
  ? Part extends `${string}(${string}`
    ? Part extends `${string})${string}`
      ? MergeParts<[Next, ...Rest], [...Acc, Part]>
      : MergeParts<[`${Part},${Next}`, ...Rest], Acc>
    : MergeParts<[Next, ...Rest], [...Acc, Part]>
  : [...Acc, ...Parts];

/** The trimmed names of a comma-separated list, or `undefined` if one is not a name. */
type NameList<S extends string, Acc extends string[] = []> = S extends `${infer Head},${infer Rest}`
  ? IsName<Trim<Head>> extends true
    ? NameList<Rest, [...Acc, Trim<Head>]>
    : undefined
  : IsName<Trim<S>> extends true
    ? [...Acc, Trim<S>]
    : undefined;

/** Twin of `readAxes`: `[axes, padded]`, or `undefined`. */
type ReadAxes<Text extends string> =
  IsName<Text> extends true
    ? [[Text], false]
    : Text extends `${typeof PADDED_RULE}${infer After}`
      ? Trim<After> extends `(${infer Inner})`
        ? NameList<Inner> extends infer Axes extends string[]
          ? [Axes, true]
          : undefined
        : undefined
      : Text extends `(${infer Inner})`
        ? NameList<Inner> extends infer Axes extends string[]
          ? [Axes, false]
          : undefined
        : undefined;

type Join<Names extends string[], Acc extends string = ""> = Names extends [infer Head extends string, ...infer Rest extends string[]]
  ? Join<Rest, Acc extends "" ? Head : `${Acc}, ${Head}`>
  : Acc;

/** Twin of `formatRuleAxes`. */
type FormatRuleAxes<Axes extends string[], Padded extends boolean> = Padded extends true
  ? `${typeof PADDED_RULE}(${Join<Axes>})`
  : Axes extends [infer Only extends string]
    ? Only
    : `(${Join<Axes>})`;

/** The first axis that `Axes` lists a second time, or `never`. */
type RepeatedAxis<Axes extends string[], Seen extends string = never> = Axes extends [infer Head extends string, ...infer Rest extends string[]]
  ? Head extends Seen
    ? Head
    : RepeatedAxis<Rest, Seen | Head>
  : never;

type Entries<Dim extends string, Axes extends string[], Padded extends boolean, Acc extends RuleTuple[]> = Axes extends [
  infer Axis extends string,
  ...infer Rest extends string[],
]
  ? Entries<Dim, Rest, Padded, [...Acc, [Dim, Axis, Padded]]>
  : Acc;

/** One rule: `[dim, axis]` for the plain `dim:axis` (the cheap common case), `[dim, axes, padded]` otherwise, or `undefined` for a syntax fault. */
type ParseRule<Part extends string> = Part extends `${infer Dim}:${infer Rhs}`
  ? IsName<Trim<Dim>> extends true
    ? IsName<Trim<Rhs>> extends true
      ? [Trim<Dim>, Trim<Rhs>]
      : ReadAxes<Trim<Rhs>> extends [infer Axes extends string[], infer Padded extends boolean]
        ? [Trim<Dim>, Axes, Padded]
        : undefined
    : undefined
  : undefined;

type ParseRules<
  Parts extends string[],
  Spec extends string,
  Acc extends RuleTuple[] = [],
  Seen extends [string, string] = never,
> = Parts extends [infer Part extends string, ...infer Rest extends string[]]
  ? [Trim<Part>, Rest] extends [typeof AUTO_LAYOUT, []]
    ? Acc
    : ParseRule<Trim<Part>> extends infer Rule
      ? Rule extends [infer Dim extends string, infer Axis extends string]
        ? Extract<Seen, [Dim, string]> extends infer Earlier
          ? [Earlier] extends [never]
            ? ParseRules<Rest, Spec, [...Acc, [Dim, Axis, false]], Seen | [Dim, Axis]>
            : Earlier extends [string, infer Previous extends string]
              ? writeLayoutRepeatedDimMessage<Dim, Spec, Previous, Axis>
              : never
          : never
        : Rule extends [infer Dim extends string, infer Axes extends string[], infer Padded extends boolean]
          ? ParseGroup<Dim, Axes, Padded, Rest, Spec, Acc, Seen>
          : writeLayoutSyntaxMessage<Trim<Part>, Spec>
      : never
  : Acc;

/** A rule over several axes or padded: an axis twice, a dim listed before, or its entries. */
type ParseGroup<
  Dim extends string,
  Axes extends string[],
  Padded extends boolean,
  Rest extends string[],
  Spec extends string,
  Acc extends RuleTuple[],
  Seen extends [string, string],
> = RepeatedAxis<Axes> extends infer Twice extends string
  ? [Twice] extends [never]
    ? Extract<Seen, [Dim, string]> extends infer Earlier
      ? [Earlier] extends [never]
        ? ParseRules<Rest, Spec, Entries<Dim, Axes, Padded, Acc>, Seen | [Dim, FormatRuleAxes<Axes, Padded>]>
        : Earlier extends [string, infer Previous extends string]
          ? writeLayoutRepeatedDimMessage<Dim, Spec, Previous, FormatRuleAxes<Axes, Padded>>
          : never
      : never
    : writeLayoutRepeatedAxisMessage<Dim, Twice, Spec>
  : never;

/**
 * Type-level twin of {@link parseLayout}: the entries of the layout string `S`
 * as `[dim, axis, padded]` tuples, or the message `parseLayout(S)` would throw
 * (a string). A non-literal `string` parses to `RuleTuple[]`.
 *
 * @example
 * type R = ParseLayout<"batch:data, d_ff:model">; // [["batch", "data", false], ["d_ff", "model", false]]
 * type M = ParseLayout<"batch:(data, fsdp)">;     // [["batch", "data", false], ["batch", "fsdp", false]]
 * type P = ParseLayout<"vocab:padded(model)">;    // [["vocab", "model", true]]
 * type O = ParseLayout<"batch:data, auto">;       // [["batch", "data", false]] (an open layout)
 * type E = ParseLayout<"batch=data">;             // 'Cannot read "batch=data" in layout ...'
 */
export type ParseLayout<S extends string> = string extends S
  ? RuleTuple[]
  : Trim<S> extends ""
    ? []
    : ParseRules<S extends `${string}(${string}` ? MergeParts<SplitParts<S>> : SplitParts<S>, S>;

/**
 * The TypeScript types of a generated function's parameters. A tensor leaf is
 * `Tensor<"dims">`; an object is an object type; an array whose items all
 * have the same type is `readonly X[]` (what a caller passing `readonly
 * Layer[]` has), with X a named alias above the function when the items are
 * objects (`type GptMegatronLayer = {...}`); other arrays stay tuples.
 */
import type { Program, ValueId, ValueTree } from "../../ir/ir.ts";
import { propertyKey } from "./literal.ts";

/** A named object type written above the function that uses it. */
export interface TypeAlias {
  readonly name: string;
  /** The object type, one field per line. */
  readonly lines: readonly string[];
  /** Where its items come from, for its comment: `params.layers`. */
  readonly source: string;
}

/** `layers` -> `layer`, `entries` -> `entry`; a name that does not look plural gets `Item` (`bias` -> `biasItem`). */
export function singular(name: string): string {
  if (/[^aeiou]ies$/.test(name)) return `${name.slice(0, -3)}y`;
  if (name.length > 1 && /s$/.test(name) && !/(ss|us|is|as)$/.test(name)) return name.slice(0, -1);
  return `${name}Item`;
}

function pascal(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter((word) => word !== "");
  return words.map((word) => word[0].toUpperCase() + word.slice(1)).join("");
}

/** Writes parameter types for one program, collecting the aliases they use. */
export class ParamTypes {
  private readonly byType = new Map<string, TypeAlias>();

  /** `taken`: type names the module already uses (aliases of other programs, imports). */
  constructor(private readonly program: Program, private readonly taken: Set<string>) {}

  /** The aliases made so far, in the order they were made. */
  aliases(): readonly TypeAlias[] {
    return [...this.byType.values()];
  }

  /** The type of a parameter tree; `path` names it (`params.layers`) for aliases. */
  typeOf(tree: ValueTree, path: string): string {
    switch (tree.kind) {
      case "tensor":
        return this.tensorType(tree.value);
      case "object":
        return `{ ${this.fieldTypes(tree.fields, path).join("; ")} }`;
      case "array": {
        const last = path.split(".").pop() ?? path;
        const itemTypes = tree.items.map((item, index) => this.typeOf(item, `${path}.${index}`));
        const [first] = itemTypes;
        if (first === undefined || itemTypes.some((type) => type !== first)) return `readonly [${itemTypes.join(", ")}]`;
        const [item] = tree.items;
        if (item.kind !== "object") return `readonly ${first}[]`;
        return `readonly ${this.alias(first, this.fieldTypes(item.fields, `${path}.0`), singular(last), path)}[]`;
      }
    }
  }

  private tensorType(id: ValueId): string {
    const dims = this.program.values.get(id)?.dims ?? [];
    return `Tensor<${JSON.stringify(dims.map((dim) => dim.name).join(" "))}>`;
  }

  private fieldTypes(fields: Readonly<Record<string, ValueTree>>, path: string): string[] {
    return Object.entries(fields).map(([field, item]) => `readonly ${propertyKey(field)}: ${this.typeOf(item, `${path}.${field}`)}`);
  }

  /** The alias for object type `type` (made on first use), named after the program and the item. */
  private alias(type: string, fields: readonly string[], item: string, source: string): string {
    const known = this.byType.get(type);
    if (known) return known.name;
    const base = `${pascal(this.program.name)}${pascal(item)}`;
    let name = base;
    for (let suffix = 2; this.taken.has(name); suffix++) name = `${base}${suffix}`;
    this.taken.add(name);
    this.byType.set(type, { name, lines: fields, source });
    return name;
  }
}

/**
 * The conversions `lower` has made so far, by (value, target sharding), one
 * scope per open block: the program body, then one per loop body being
 * lowered. A lookup searches from the innermost scope outwards, so a
 * conversion made before a loop is reused inside its body; a conversion made
 * inside a body is recorded in the body's scope and forgotten when the body
 * closes, so code after the loop never reads a value defined inside it.
 * `lower` records a conversion in the block where the converted value is
 * defined (it emits the conversion there, before the loop that needs it), so
 * a value defined before a loop and first converted inside its body is
 * converted once, before the loop, and reused after it.
 */
import type { MeshAxis } from "../../../dsl/mesh.ts";
import type { Sharding, ValueId } from "../../ir/ir.ts";
import { formatAxisState } from "../../ir/printer.ts";

/**
 * The key of a conversion: the value and its target state on every axis, in
 * mesh order (two shardings with the same states but their axes in another
 * key order are the same target).
 */
export function conversionKey(value: ValueId, to: Sharding, mesh: readonly MeshAxis[]): string {
  const states = mesh.map((axis) => `${axis.name}: ${to[axis.name] === undefined ? "replicated" : formatAxisState(to[axis.name])}`);
  return `%${value} -> {${states.join(", ")}}`;
}

/** Converted values by (value, target), scoped by block (see the module comment). */
export class ConversionCache {
  private readonly scopes: Map<string, ValueId>[] = [new Map()];

  constructor(private readonly mesh: readonly MeshAxis[]) {}

  /** The value that already holds `value` in sharding `to` in this block or an enclosing one, if any. */
  get(value: ValueId, to: Sharding): ValueId | undefined {
    const key = conversionKey(value, to, this.mesh);
    for (let depth = this.scopes.length - 1; depth >= 0; depth--) {
      const hit = this.scopes[depth].get(key);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  /**
   * Record that `converted` holds `value` in sharding `to`, in the open block
   * at `depth` (default: the innermost; 0 is the program body).
   */
  set(value: ValueId, to: Sharding, converted: ValueId, depth = this.scopes.length - 1): void {
    if (depth < 0 || depth >= this.scopes.length) throw new Error(`ConversionCache.set: no open block at depth ${depth}`);
    this.scopes[depth].set(conversionKey(value, to, this.mesh), converted);
  }

  /** Open a loop body's scope. */
  enterBlock(): void {
    this.scopes.push(new Map());
  }

  /** Close the innermost loop body's scope, forgetting what was converted in it. */
  exitBlock(): void {
    if (this.scopes.length === 1) throw new Error("ConversionCache.exitBlock: no loop body is open");
    this.scopes.pop();
  }
}

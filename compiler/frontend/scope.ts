/**
 * Lexical scopes of the static evaluator: each block and each inlined call
 * gets one, whose parent is the scope the code was written in (not the
 * caller's), as in JavaScript.
 */
import type { StaticValue } from "./staticValue.ts";

/** One variable: its current value, and whether it may be reassigned (let). */
export interface Binding {
  value: StaticValue;
  readonly mutable: boolean;
}

/** A scope: names to bindings, with a parent. The root scope of a module is empty (module names are resolved through the checker). */
export class Scope {
  private readonly bindings = new Map<string, Binding>();
  readonly parent: Scope | undefined;

  constructor(parent?: Scope) {
    this.parent = parent;
  }

  /** Declare `name` in this scope (shadowing any outer one). */
  declare(name: string, value: StaticValue, mutable: boolean): void {
    this.bindings.set(name, { value, mutable });
  }

  /** The binding of `name` here or in an enclosing scope. */
  lookup(name: string): Binding | undefined {
    for (let scope: Scope | undefined = this; scope; scope = scope.parent) {
      const binding = scope.bindings.get(name);
      if (binding) return binding;
    }
    return undefined;
  }

  /** A new scope inside this one. */
  child(): Scope {
    return new Scope(this);
  }
}

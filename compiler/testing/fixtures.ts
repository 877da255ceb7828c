/**
 * Small programs for the compiler's tests, built with the ProgramBuilder: each
 * fixture declares its dims and builds the same model for any mesh and layout,
 * so tests can run it under every valid layout.
 */
import type { MeshAxis } from "../../dsl/mesh.ts";
import type { Dim } from "../../dsl/tensor.ts";
import { ProgramBuilder } from "../ir/builder.ts";
import type { Program, SourceLoc, ValueId, ValueTree } from "../ir/ir.ts";

/** The dims `spec` ("a b") with their sizes from `sizes`. */
export function dimsFrom(sizes: Readonly<Record<string, number>>, spec: string): Dim[] {
  return spec.split(" ").filter((name) => name !== "").map((name) => {
    const size = sizes[name];
    if (size === undefined) throw new Error(`fixture: no size for dim "${name}"`);
    return { name, size };
  });
}

/** A location in a made-up fixture file, one line per op. */
export function fixtureLoc(line: number): SourceLoc {
  return { file: "fixture.ts", line, column: 3 };
}

/** A model over named dims that the tests build for any mesh and layout. */
export interface Fixture {
  readonly name: string;
  /** Every dim the model uses, with its size. */
  readonly sizes: Readonly<Record<string, number>>;
  /** Build the model as a program on `mesh` under `layoutSpec`. */
  build(mesh: readonly MeshAxis[], layoutSpec: string): Program;
}

/** Make a fixture from a body that adds params and ops to a builder and returns the result. */
export function defineFixture(
  name: string,
  sizes: Readonly<Record<string, number>>,
  body: (b: ProgramBuilder, dims: (spec: string) => Dim[]) => ValueId | ValueTree,
): Fixture {
  return {
    name,
    sizes,
    // reads `this.sizes`, so `{ ...fixture, sizes }` is the same model at other sizes
    build(mesh, layoutSpec) {
      const builder = new ProgramBuilder({ name, mesh, layoutSpec, loc: fixtureLoc(1) });
      builder.setResult(body(builder, (spec) => dimsFrom(this.sizes, spec)));
      return builder.finish();
    },
  };
}

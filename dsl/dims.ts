import { MeshtypeError } from "./errors.ts";
import { parseDims } from "./parseDims.ts";
import type { Dim } from "./tensor.ts";

/**
 * The declared dimensions of a model: every name with its size.
 * `Sizes` keeps the literal sizes (`{ batch: 64, d_model: 1024 }`) so that the
 * editor and the compiler can read them from the type.
 */
export class Dims<Sizes extends Record<string, number> = Record<string, number>> {
  readonly sizes: Sizes;

  constructor(sizes: Sizes) {
    for (const [name, size] of Object.entries(sizes)) {
      parseDims(name);
      if (!Number.isInteger(size) || size < 1) {
        throw new MeshtypeError("bad-dim-size", `Dim "${name}" has size ${size}; a size is a positive integer.`);
      }
    }
    this.sizes = Object.freeze({ ...sizes });
  }

  /** The dims of `spec` with their declared sizes, in order; unknown names are an error. */
  shape(spec: string): Dim[] {
    return parseDims(spec).map((name) => {
      const size = this.sizes[name];
      if (size === undefined) {
        throw new MeshtypeError(
          "unknown-dim",
          `Unknown dim "${name}" in "${spec}". Declared dims: ${Object.keys(this.sizes).join(", ")}. Add it to dims({...}) or fix the spelling.`,
        );
      }
      return { name, size };
    });
  }
}

/**
 * Declare the named dimensions of a model and their sizes.
 *
 * @example
 * const D = dims({ batch: 64, seq: 512, d_model: 1024, d_ff: 4096 });
 */
export function dims<const Sizes extends Record<string, number>>(sizes: Sizes): Dims<Sizes> {
  return new Dims(sizes);
}

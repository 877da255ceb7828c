import { MeshtypeError } from "./errors.ts";
import {
  writeBadDeclaredDimNameMessage,
  writeBadDimSizeMessage,
  writeUnknownDimMessage,
} from "./messages/dims.ts";
import { parseDims } from "./parseDims.ts";
import type { Dim } from "./tensor.ts";
import { isName } from "./types/names.ts";
import type { ValidateSizes } from "./types/validateSizes.ts";

/**
 * The declared dimensions of a model: every name with its size.
 * `Sizes` keeps the literal sizes (`{ batch: 64, d_model: 1024 }`) so that the
 * editor and the compiler can read them from the type.
 */
export class Dims<Sizes extends Record<string, number> = Record<string, number>> {
  readonly sizes: Sizes;

  constructor(sizes: Sizes) {
    for (const [name, size] of Object.entries(sizes)) {
      if (!isName(name)) throw new MeshtypeError("bad-dim-name", writeBadDeclaredDimNameMessage(name));
      if (!Number.isInteger(size) || size < 1) {
        throw new MeshtypeError("bad-dim-size", writeBadDimSizeMessage(name, size));
      }
    }
    this.sizes = Object.freeze({ ...sizes });
  }

  /**
   * The dims of `spec` with their declared sizes, in order. A bad or repeated
   * name (see `parseDims`) or an undeclared one is a `MeshtypeError`; the
   * type twin is `ValidateDimsIn<S, Sizes>`.
   */
  shape(spec: string): Dim[] {
    return parseDims(spec).map((name) => {
      const size = Object.hasOwn(this.sizes, name) ? this.sizes[name] : undefined;
      if (size === undefined) throw new MeshtypeError("unknown-dim", writeUnknownDimMessage(name, spec));
      return { name, size };
    });
  }
}

/**
 * Declare the named dimensions of a model and their sizes. Sizes are positive
 * integers and names are identifiers; the editor flags a bad one as you type.
 *
 * @example
 * const D = dims({ batch: 64, seq: 512, d_model: 1024, d_ff: 4096 });
 */
export function dims<const Sizes extends Record<string, number>>(sizes: ValidateSizes<Sizes>): Dims<Sizes> {
  return new Dims(sizes as Sizes);
}

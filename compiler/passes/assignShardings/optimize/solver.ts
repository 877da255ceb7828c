/**
 * The HiGHS solver (the `highs` npm package: HiGHS compiled to
 * WebAssembly), loaded once per process. Loading is asynchronous and takes
 * about 0.15 s; the `optimize` strategy needs it loaded first
 * (`await loadSolver()`), after which every solve is synchronous.
 */
import * as highsPackage from "highs";
import type { Highs } from "highs";

type Loader = () => Promise<Highs>;
// The package's types describe CommonJS (the loader at `module.exports.default`), while Node's ESM
// import of it gives the loader itself as `default`: take whichever is the function.
const exported: unknown = highsPackage.default;
const loadHighs: Loader = typeof exported === "function" ? (exported as Loader) : (exported as { readonly default: Loader }).default;

let loaded: Highs | undefined;
let loading: Promise<Highs> | undefined;

/** Load HiGHS (once) and return it. */
export async function loadSolver(): Promise<Highs> {
  if (loaded !== undefined) return loaded;
  loading ??= loadHighs().then((highs) => (loaded = highs));
  return loading;
}

/** HiGHS, once `loadSolver` has resolved; throws (a bug in the caller) before. */
export function solver(): Highs {
  if (loaded === undefined) throw new Error("optimize: HiGHS is not loaded; await loadSolver() before compiling with the optimize strategy");
  return loaded;
}

/** True once HiGHS is loaded. */
export function solverLoaded(): boolean {
  return loaded !== undefined;
}

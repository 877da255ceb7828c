/**
 * The meshtype front end: user TypeScript -> IR programs (stage "global").
 *
 * 1. `loadProjects` loads the user's files with the tsconfig.json found upward
 *    from each (or default options).
 * 2. `readPrograms` reports TypeScript errors (MT1000), finds every
 *    `export const NAME = program(model, { mesh, layout })` whose callee is
 *    meshtype's `program` (through any import alias), and reads the mesh axes,
 *    dim sizes and layout from the types `Mesh<Axes>` / `Layout<Axes, Sizes, Spec>`.
 * 3. The model's parameters come from their types: `Tensor<"dims">`, objects of
 *    tensors, tuples; a plain array gets the length the model reads from it
 *    (`for (let i = 0; i < LAYERS; i++) layers[i]`).
 * 4. A static evaluator runs the model body at compile time. Supported:
 *    const/let (with destructuring, defaults, rest), reassignment of local lets
 *    (`=`, `op=`, `++`), DSL op calls (matched by their exported name in
 *    dsl/ops), calls of functions with a body (inlined, so generic helpers are
 *    specialised per call site), arrow functions that capture no `let`,
 *    `if`/`?:`/`&&`/`||`/`??` on static conditions, arithmetic, comparison and
 *    template literals over static numbers and strings, `D.sizes.x`,
 *    `M.sizes.x`, `Math.*` on static numbers, object and array literals (with
 *    spread), field and index reads, `return` of a tensor or an object/array of
 *    tensors. `for (let i = a; i < N; i++)` with static bounds and
 *    `for (const item of tensors)` stay IR loops (carried: variables declared
 *    before the loop and reassigned in it; indexed: `arr[i]` reads); a
 *    `for...of` over static non-tensor values is unrolled.
 *    Anything else (while/switch/try/classes/`new`/unknown functions/dynamic
 *    strings/tensor fields like `x.dims`) is an MT1xxx diagnostic at its
 *    file:line:col with a hint; see compiler/diagnostics/frontendMessages.ts.
 */
export { readPrograms, typeErrors, type FrontEndOptions, type FrontEndResult } from "./frontend.ts";
export { createProject, defaultCompilerOptions, findTsConfig, loadProjects, type LoadedProject, type LoadOptions } from "./loadProject.ts";
export { findPrograms, readBinding, type ProgramBinding } from "./findPrograms.ts";
export { readProgram } from "./readProgram.ts";
export { Locator } from "./location.ts";

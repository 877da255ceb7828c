/**
 * Messages about `program(model, { mesh, layout })` bindings. Each message
 * exists once, as a function and a type of the same name, with the same text.
 * `what` names one tensor argument, e.g. `program(): argument 2.up.w (Tensor<"d_model d_ff">)`
 * in the editor, or `program(mlp): argument 2 "params".up.w (tensor "w" [d_model=16, d_ff=64])`
 * at run time.
 */

/** A tensor argument with a dim that the layout's `dims({...})` does not declare. */
export function writeProgramUnknownDimMessage(what: string, name: string): string {
  return `${what} has dim "${name}", which the layout's dims({...}) do not declare. Fix the spelling of the tensor's dims, or declare ${name} with its size in dims({...}).`;
}
/** Type twin of {@link writeProgramUnknownDimMessage}. */
export type writeProgramUnknownDimMessage<
  What extends string,
  Name extends string,
> = `${What} has dim "${Name}", which the layout's dims({...}) do not declare. Fix the spelling of the tensor's dims, or declare ${Name} with its size in dims({...}).`;

/** The mesh given to `program()` is not the mesh the layout was made for (`given`, `expected`: the meshes, printed). */
export function writeProgramMeshMismatchMessage(given: string, expected: string): string {
  return `program(): ${given} is not the layout's mesh, ${expected}. Pass the layout's own mesh ({ mesh: L.mesh, layout: L }), or make the layout over this mesh.`;
}
/** Type twin of {@link writeProgramMeshMismatchMessage}. */
export type writeProgramMeshMismatchMessage<
  Given extends string,
  Expected extends string,
> = `program(): ${Given} is not the layout's mesh, ${Expected}. Pass the layout's own mesh ({ mesh: L.mesh, layout: L }), or make the layout over this mesh.`;

/** How the types name the two meshes in {@link writeProgramMeshMismatchMessage} (they cannot print them in order). */
export const meshMismatchNames = { given: "the mesh given", expected: "which has other axes or sizes" } as const;

/** How the editor names a tensor argument: `argument` is 1-based, `path` like `.up.w` or `[]`. */
export function writeArgumentWhat(argument: string, path: string, dims: string): string {
  return `program(): argument ${argument}${path} (Tensor<"${dims}">)`;
}
/** Type twin of {@link writeArgumentWhat}. */
export type writeArgumentWhat<
  Argument extends string,
  Path extends string,
  Dims extends string,
> = `program(): argument ${Argument}${Path} (Tensor<"${Dims}">)`;

/** `weightUpdateSharding` names an axis the mesh does not have (`axes`: the mesh's axis names, comma-separated). */
export function writeProgramUnknownUpdateAxisMessage(axis: string, axes: string): string {
  return `program(): weightUpdateSharding "${axis}" is not an axis of the mesh (${axes}). Name the data-parallel axis, e.g. weightUpdateSharding: "data".`;
}
/** Type twin of {@link writeProgramUnknownUpdateAxisMessage}. */
export type writeProgramUnknownUpdateAxisMessage<
  Axis extends string,
  Axes extends string,
> = `program(): weightUpdateSharding "${Axis}" is not an axis of the mesh (${Axes}). Name the data-parallel axis, e.g. weightUpdateSharding: "data".`;

/** `recompute` is not one of the policies (a runtime check for calls the types did not see). */
export function writeProgramUnknownRecomputeMessage(policy: string): string {
  return `program(): recompute "${policy}" is not a recomputation policy. Use "none" (keep every activation), "layer" (recompute each layer in the backward) or "selective" (keep matmul outputs, recompute the rest).`;
}
/** `dtype` is not one meshtype knows (`known`: the dtypes, comma-separated). */
export function writeProgramUnknownDtypeMessage(dtype: string, known: string): string {
  return `program(): dtype "${dtype}" is not a dtype meshtype knows (${known}). Write dtype: "bf16", or leave it out for fp32.`;
}
/** Type twin of {@link writeProgramUnknownDtypeMessage}. */
export type writeProgramUnknownDtypeMessage<
  Dtype extends string,
  Known extends string,
> = `program(): dtype "${Dtype}" is not a dtype meshtype knows (${Known}). Write dtype: "bf16", or leave it out for fp32.`;

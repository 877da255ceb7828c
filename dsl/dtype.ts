/**
 * The element type a compiled program computes in: `program(model, { mesh,
 * layout, dtype: "bf16" })`. It sets the element size of every value for
 * memory and communication, the peak FLOP/s the cost model prices compute at,
 * and what the torch back end computes in. Eager runs and the simulated mesh
 * stay fp32 (the reference meaning) whatever a program says.
 */

/** Every dtype a program may ask for, default first. */
export const dtypes = ["fp32", "bf16"] as const;

/** The element type of a compiled program: `"fp32"` (the default) or `"bf16"`. */
export type Dtype = (typeof dtypes)[number];

/** The dtype of a program that names none. */
export const defaultDtype: Dtype = "fp32";

/** Bytes per element of each dtype. */
export const dtypeBytes: Readonly<Record<Dtype, number>> = { fp32: 4, bf16: 2 };

/** Whether `name` is a dtype meshtype knows. */
export function isDtype(name: unknown): name is Dtype {
  return typeof name === "string" && (dtypes as readonly string[]).includes(name);
}

import type { Dims } from "meshtype";

/**
 * Declared dims that contain at least the names `Names` (with any sizes).
 * Layers that build constants (`iota`, `ones`) or parameters take their model's
 * `D` as this type, so a model whose `dims({...})` lacks a name the layer needs
 * is a type error at the call.
 *
 * @example
 * function needsSeq(D: DimsWith<"seq" | "kv_seq">) { return iota(D, "seq"); }
 * needsSeq(dims({ batch: 2, seq: 4, kv_seq: 4 })); // ok
 */
export type DimsWith<Names extends string> = Dims<Record<Names, number>>;

/**
 * The data movement of each collective, as pure functions over one group:
 * given the inputs of the group's devices in axis order, what each device gets
 * back. Also the per-device checks and the text messages use for a call.
 */
import { MeshtypeError } from "../errors.ts";
import { Tensor, describeTensor } from "../tensor.ts";
import { checkChunkable, chunkAlong, concatAlong, reduceTensors, takeChunk } from "./chunk.ts";
import type { PartialReduce } from "./sharding.ts";

/**
 * How a collective treats an uneven split (see padding.ts). `pad`: the dim it
 * cuts into one chunk per device may have any size; every chunk has
 * ceil(size / n) entries, the last ones padded with zeros. `size`: the dim it
 * joins keeps only its first `size` entries (the padding of the shards
 * dropped). Generated code passes them only where a split is uneven.
 */
export interface UnevenOptions {
  readonly pad?: boolean;
  readonly size?: number;
}

/** One collective call over one mesh axis, with its attributes (the tensor travels beside it). */
export type CollectiveCall =
  | { readonly kind: "allReduce"; readonly axis: string; readonly reduce: PartialReduce }
  | { readonly kind: "allGather"; readonly axis: string; readonly dim: string; readonly size?: number }
  | { readonly kind: "reduceScatter"; readonly axis: string; readonly dim: string; readonly reduce: PartialReduce; readonly pad?: boolean }
  | { readonly kind: "allToAll"; readonly axis: string; readonly splitDim: string; readonly concatDim: string; readonly pad?: boolean; readonly size?: number }
  | { readonly kind: "collectivePermute"; readonly axis: string; readonly shift: number };

/** The attributes of a call after the axis, as text: `"sum"`, `dim "d_ff"`, `shift 1`. */
function describeAttributes(call: CollectiveCall): string {
  const pad = "pad" in call && call.pad ? ", padded" : "";
  const size = "size" in call && call.size !== undefined ? `, size ${call.size}` : "";
  switch (call.kind) {
    case "allReduce":
      return call.reduce;
    case "allGather":
      return `dim "${call.dim}"${size}`;
    case "reduceScatter":
      return `dim "${call.dim}", ${call.reduce}${pad}`;
    case "allToAll":
      return `split "${call.splitDim}", concat "${call.concatDim}"${pad}${size}`;
    case "collectivePermute":
      return `shift ${call.shift}`;
  }
}

/** `allReduce(tensor "h" [b=2, d=4], axis "model", sum)`: how messages name one call. */
export function describeCall(call: CollectiveCall, x: Tensor<string>): string {
  return `${call.kind}(${describeTensor(x)}, axis "${call.axis}", ${describeAttributes(call)})`;
}

/** What must agree across a group: the call and the local dims (not the label). */
export function callSignature(call: CollectiveCall, x: Tensor<string>): string {
  const shape = x.dims.map((dim) => `${dim.name}=${dim.size}`).join(" ");
  return `${call.kind}|${call.axis}|${describeAttributes(call)}|${shape}`;
}

/**
 * The checks one device can make alone before it joins its group: the dims
 * exist, chunked dims divide by the group size `parts`, and the attributes
 * make sense. Throws a `MeshtypeError` naming the call.
 */
export function checkCall(call: CollectiveCall, x: Tensor<string>, parts: number): void {
  const what = `${call.kind} over mesh axis "${call.axis}" (${parts} devices)`;
  if (!(x instanceof Tensor)) {
    throw new MeshtypeError("collective-input", `${what} needs a Tensor, but was given ${String(x)}.`);
  }
  switch (call.kind) {
    case "allReduce":
      checkReduce(call.reduce, x, what);
      break;
    case "allGather":
      checkJoinSize(x, checkChunkable(x, call.dim, 1, what), call.size, parts, what);
      break;
    case "reduceScatter":
      checkReduce(call.reduce, x, what);
      checkChunkable(x, call.dim, parts, what, call.pad);
      break;
    case "allToAll":
      if (call.splitDim === call.concatDim) {
        throw new MeshtypeError(
          "all-to-all-same-dim",
          `${what} on ${describeTensor(x)} splits and concatenates the same dim "${call.splitDim}". ` +
            `An all-to-all moves the split from one dim to another: pass two different dims.`,
        );
      }
      checkChunkable(x, call.splitDim, parts, what, call.pad);
      checkJoinSize(x, checkChunkable(x, call.concatDim, 1, what), call.size, parts, what);
      break;
    case "collectivePermute":
      if (!Number.isInteger(call.shift)) {
        throw new MeshtypeError(
          "permute-shift",
          `${what} on ${describeTensor(x)} has shift ${call.shift}; a shift is a whole number of positions along the axis.`,
        );
      }
      break;
  }
}

/** The reductions a collective knows; anything else (a typo, "prod", "mean") is an error, not a silent max. */
export const partialReduces: readonly PartialReduce[] = ["sum", "max"];

/** Throw a "collective-reduce" error unless `reduce` is one of `partialReduces`. */
export function checkReduce(reduce: unknown, x: Tensor<string>, what: string): void {
  if ((partialReduces as readonly unknown[]).includes(reduce)) return;
  throw new MeshtypeError(
    "collective-reduce",
    `${what} on ${describeTensor(x)} has reduce ${typeof reduce === "string" ? `"${reduce}"` : String(reduce)}, which a collective cannot do. ` +
      `Pass "sum" or "max" (a mean is a sum divided by the group size afterwards).`,
  );
}

/** A joined size must be a positive whole number no larger than the group's shards put together. */
function checkJoinSize(x: Tensor<string>, index: number, size: number | undefined, parts: number, what: string): void {
  if (size === undefined) return;
  const most = x.dims[index].size * parts;
  if (!Number.isInteger(size) || size < 1 || size > most) {
    throw new MeshtypeError(
      "join-size",
      `${what} on ${describeTensor(x)} asks to keep ${size} entries of dim "${x.dims[index].name}", but the ${parts} shards hold ${most}. ` +
        `The size kept is the dim's length before it was split unevenly: a whole number from 1 to ${most}.`,
    );
  }
}

/**
 * The bytes one device's input occupies once padded to equal chunks for
 * `call` (its payload for the ring model): an all-to-all or reduce-scatter
 * that pads cuts ceil(size / n) per chunk; any other call, its input as is.
 */
export function paddedInputBytes(call: CollectiveCall, dims: readonly { readonly name: string; readonly size: number }[], parts: number, bytesPerElement: number): number {
  const elements = dims.reduce((product, dim) => product * dim.size, 1);
  const cut = call.kind === "allToAll" ? call.splitDim : call.kind === "reduceScatter" ? call.dim : undefined;
  const dim = dims.find((entry) => entry.name === cut);
  if (dim === undefined || dim.size === 0) return elements * bytesPerElement;
  return (elements / dim.size) * Math.ceil(dim.size / parts) * parts * bytesPerElement;
}

/**
 * What each device of a group gets back, given the group's inputs in axis
 * order (all checked and with equal dims). Output k belongs to the device at
 * axis coordinate k.
 */
export function exchange(call: CollectiveCall, inputs: readonly Tensor<string>[]): Tensor<string>[] {
  const parts = inputs.length;
  switch (call.kind) {
    case "allReduce": {
      const reduced = reduceTensors(inputs, call.reduce);
      return inputs.map((input) => new Tensor(reduced.dims, Float32Array.from(reduced.data), input.label));
    }
    case "allGather": {
      const gathered = concatAlong(inputs, call.dim, call.size);
      return inputs.map((input) => new Tensor(gathered.dims, Float32Array.from(gathered.data), input.label));
    }
    case "reduceScatter": {
      const reduced = reduceTensors(inputs, call.reduce);
      return inputs.map((input, coord) => {
        const chunk = takeChunk(reduced, call.dim, parts, coord, call.pad);
        return new Tensor(chunk.dims, chunk.data, input.label);
      });
    }
    case "allToAll": {
      const sent = inputs.map((input) => chunkAlong(input, call.splitDim, parts, call.pad));
      return inputs.map((input, coord) => {
        const joined = concatAlong(sent.map((chunks) => chunks[coord]), call.concatDim, call.size);
        return new Tensor(joined.dims, joined.data, input.label);
      });
    }
    case "collectivePermute":
      return inputs.map((input, coord) => {
        const source = coord - call.shift;
        const data = source >= 0 && source < parts ? Float32Array.from(inputs[source].data) : new Float32Array(input.data.length);
        return new Tensor(input.dims, data, input.label);
      });
  }
}

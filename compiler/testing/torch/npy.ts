/** The .npy reader and writer, which `meshtype gather` uses too (compiler/cli/npy.ts). */
export { decodeNpy, encodeNpy, readNpy, writeNpy, type NpyArray } from "../../cli/npy.ts";

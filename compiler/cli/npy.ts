/**
 * A tiny reader and writer of NumPy's .npy format (version 1.0), for float32
 * tensors: the TypeScript side writes the inputs of a torch run and reads each
 * rank's outputs (`meshtype gather`, the torch tests). The format: the magic `\x93NUMPY`, the version bytes 1 0, a
 * little-endian uint16 header length, a Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded with
 * spaces and a newline to a multiple of 64 bytes, then the data in C order.
 */
import * as fs from "node:fs";

const magic = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

/** An array as .npy holds it: its shape and row-major float32 data. */
export interface NpyArray {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The .npy bytes of a float32 array of `shape` (C order). */
export function encodeNpy(shape: readonly number[], data: Float32Array): Buffer {
  const count = shape.reduce((product, size) => product * size, 1);
  if (count !== data.length) throw new Error(`encodeNpy: shape (${shape.join(", ")}) has ${count} elements but the data has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = magic.length + 2 + 2 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const prefix = Buffer.alloc(magic.length + 4);
  magic.copy(prefix, 0);
  prefix.writeUInt8(1, 6);
  prefix.writeUInt8(0, 7);
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.alloc(data.length * 4);
  data.forEach((value, index) => body.writeFloatLE(value, index * 4));
  return Buffer.concat([prefix, Buffer.from(header, "latin1"), body]);
}

/** Parse .npy bytes holding little-endian float32 ('<f4') or float64 ('<f8', converted) in C order; `what` names the file in errors. */
export function decodeNpy(bytes: Buffer, what = "the .npy data"): NpyArray {
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(magic)) throw new Error(`${what} is not a .npy file (it does not start with \\x93NUMPY)`);
  const major = bytes.readUInt8(6);
  if (major < 1 || major > 3) throw new Error(`${what}: .npy version ${major} is not supported (1, 2 and 3 are)`);
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.subarray(start, start + headerLength).toString("latin1");
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`${what}: cannot read the .npy header ${JSON.stringify(header)}`);
  if (fortran === "True") throw new Error(`${what} is in Fortran order; save it in C order (np.ascontiguousarray)`);
  const shape = shapeText.split(",").map((part) => part.trim()).filter((part) => part !== "").map(Number);
  const count = shape.reduce((product, size) => product * size, 1);
  const offset = start + headerLength;
  const data = new Float32Array(count);
  if (descr === "<f4") for (let index = 0; index < count; index++) data[index] = bytes.readFloatLE(offset + index * 4);
  else if (descr === "<f8") for (let index = 0; index < count; index++) data[index] = bytes.readDoubleLE(offset + index * 8);
  else throw new Error(`${what} holds '${descr}' values; only float32 ('<f4') and float64 ('<f8') are read. Save it with .astype(np.float32).`);
  return { shape, data };
}

/** Write a float32 array to `file` as .npy. */
export function writeNpy(file: string, shape: readonly number[], data: Float32Array): void {
  fs.writeFileSync(file, encodeNpy(shape, data));
}

/** Read a .npy file of float32 (or float64) values. */
export function readNpy(file: string): NpyArray {
  return decodeNpy(fs.readFileSync(file), file);
}

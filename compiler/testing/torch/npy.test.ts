import { describe, expect, test } from "vitest";
import { decodeNpy, encodeNpy } from "./npy.ts";

describe("npy", () => {
  test("writes NumPy's header: magic, version 1.0, a dict padded to 64 bytes, then little-endian float32", () => {
    const bytes = encodeNpy([2, 3], Float32Array.from([1, 2, 3, 4, 5, 6]));
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]));
    const headerLength = bytes.readUInt16LE(8);
    expect((10 + headerLength) % 64).toBe(0);
    const header = bytes.subarray(10, 10 + headerLength).toString("latin1");
    expect(header.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    expect(header.endsWith("\n")).toBe(true);
    expect(bytes.readFloatLE(10 + headerLength + 4 * 5)).toBe(6);
  });

  test.each([[[4]], [[]], [[2, 1, 3]]])("round trip of shape %j (1-d needs the trailing comma, 0-d is ())", (shape) => {
    const count = shape.reduce((product, size) => product * size, 1);
    const data = Float32Array.from({ length: count }, (_, index) => index * 0.25 - 1);
    const bytes = encodeNpy(shape, data);
    if (shape.length === 1) expect(bytes.toString("latin1")).toContain("'shape': (4,)");
    expect(decodeNpy(bytes)).toEqual({ shape, data });
  });

  test("refuses what it cannot read, naming the file and the fix", () => {
    expect(() => decodeNpy(Buffer.from("hello world"), "out/x.npy")).toThrow(/out\/x.npy is not a .npy file/);
    const ints = Buffer.from(encodeNpy([1], Float32Array.from([1])).toString("latin1").replace("<f4", "<i4"), "latin1");
    expect(() => decodeNpy(ints, "ids.npy")).toThrow(/ids.npy holds '<i4' values.*astype\(np.float32\)/);
    expect(() => encodeNpy([3], new Float32Array(2))).toThrow(/3 elements but the data has 2/);
  });
});

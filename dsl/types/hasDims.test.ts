import { describe, expect, it } from "vitest";
import { hasDims } from "./hasDims.ts";

describe("hasDims (runtime twin of HasDims)", () => {
  it("is true when every listed name is a dim, in any position and order", () => {
    expect(hasDims("batch seq d_model", "d_model")).toBe(true);
    expect(hasDims("batch seq d_model", "d_model batch")).toBe(true);
    expect(hasDims("d_model", "d_model")).toBe(true);
  });
  it("matches whole names only", () => {
    expect(hasDims("batch seq d_model_2", "d_model")).toBe(false);
    expect(hasDims("batch seq", "seq d_model")).toBe(false);
  });
});

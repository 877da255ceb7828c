/**
 * The launcher's input dtype check (`as_float32` in runtime/meshtype_torch/shard.py):
 * float32 files are read as they are; other dtypes are converted with a note
 * only when every value is exact in float32, and refused otherwise (they
 * used to be converted to float32 silently). The file is memory-mapped and
 * each rank checks the block it reads (rank 1: items 2 and 3, where the
 * inexact values are). Needs Python with torch.
 */
import { expect, test } from "vitest";
import { runPythonScript } from "../../testing/torch/pythonScript.ts";
import { describeWithTorch } from "../../testing/torch/torchGuard.ts";

const script = `
import os, sys, tempfile
import numpy as np, torch
from meshtype_torch.mesh import MeshShape
from meshtype_torch.shard import load_shard
folder = tempfile.mkdtemp()
leaf = {"kind": "tensor", "dims": [{"name": "batch", "size": 4}], "sharding": {"data": {"kind": "split", "dim": "batch"}}}
shape = MeshShape({"data": 2})
cases = {
    "f32": np.array([1.5, 2, 3, 4], dtype=np.float32),
    "f64exact": np.array([0.5, 2, 3, 4], dtype=np.float64),
    "f64inexact": np.array([1, 2, 0.1, 4], dtype=np.float64),
    "ids": np.array([0, 7, 3, 50256], dtype=np.int64),
    "bigints": np.array([0, 3, 2 ** 24 + 1, 4], dtype=np.int64),
    "text": np.array(["a", "b", "c", "d"]),
}
for name, array in cases.items():
    np.save(os.path.join(folder, name + ".npy"), array)
    notes = []
    try:
        shard = load_shard(folder, name, leaf, shape, shape.coords(1), torch.device("cpu"), note=notes.append)
        print(name, "ok", str(shard.dtype), shard.tolist(), "|".join(notes))
    except ValueError as error:
        print(name, "refused", str(error))
`;

describeWithTorch("load_shard input dtypes", () => {
  test("float32 as is; exact conversions noted; inexact ones and non-numbers refused", async () => {
    const lines = (await runPythonScript(script)).trim().split("\n");
    const byName = Object.fromEntries(lines.map((line) => [line.split(" ")[0], line.slice(line.indexOf(" ") + 1)]));
    expect(byName.f32).toBe("ok torch.float32 [3.0, 4.0] ");
    expect(byName.f64exact).toMatch(/^ok torch\.float32 \[3\.0, 4\.0\] meshtype_torch: input "f64exact" \[batch=4\]: .*f64exact\.npy is float64; converted to float32 \(every value is exact in float32\)\.$/);
    expect(byName.f64inexact).toMatch(/^refused input "f64inexact" \[batch=4\]: .* holds float64 values that float32 cannot represent exactly/);
    expect(byName.ids).toMatch(/^ok torch\.float32 \[3\.0, 50256\.0\] meshtype_torch: input "ids" .* is int64; converted/);
    expect(byName.bigints).toMatch(/^refused .* holds int64 values that float32 cannot represent exactly/);
    expect(byName.text).toMatch(/^refused input "text" \[batch=4\]: .* holds <U1 values; inputs are float32 numbers/);
  });
});

/**
 * `load_shard` (runtime/meshtype_torch/shard.py), the launcher's reader of
 * `--inputs`: each rank gets its block of the global .npy with the leaf's
 * dims, a scalar (0-d) input included. Needs Python with torch (torchEnv.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, test } from "vitest";
import { writeNpy } from "../../testing/torch/npy.ts";
import { runPythonScript } from "../../testing/torch/pythonScript.ts";
import { describeWithTorch } from "../../testing/torch/torchGuard.ts";

const script = `
import json, sys, torch
from meshtype_torch.mesh import MeshShape
from meshtype_torch.shard import load_shard
folder, leaves = sys.argv[1], json.loads(sys.argv[2])
shape = MeshShape({"data": 2})
for path, leaf in leaves.items():
    for rank in range(2):
        shard = load_shard(folder, path, leaf, shape, shape.coords(rank), torch.device("cpu"))
        print(path, rank, list(shard.shape), shard.flatten().tolist())
`;

describeWithTorch("load_shard", () => {
  test("a scalar input stays 0-d (AdamW's step count); a split one is cut per rank", async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "meshtype-load-shard-"));
    try {
      writeNpy(path.join(folder, "state.step.npy"), [], Float32Array.of(3));
      writeNpy(path.join(folder, "x.npy"), [4], Float32Array.of(1, 2, 3, 4));
      const leaves = {
        "state.step": { kind: "tensor", dims: [], sharding: {} },
        x: { kind: "tensor", dims: [{ name: "batch", size: 4 }], sharding: { data: { kind: "split", dim: "batch" } } },
      };
      const lines = (await runPythonScript(script, [folder, JSON.stringify(leaves)])).trim().split("\n");
      expect(lines).toEqual(["state.step 0 [] [3.0]", "state.step 1 [] [3.0]", "x 0 [2] [1.0, 2.0]", "x 1 [2] [3.0, 4.0]"]);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});

/** The text of `meshtype --help`. */
export const helpText = `meshtype: compile models written in the meshtype DSL into one program per device.

Usage:
  meshtype build <file.ts>... [--target ts|torch] [--out DIR] [--no-typecheck]
  meshtype explain <file.ts>... [--program NAME] [--json] [--no-typecheck]
  meshtype simulate <file.ts>... [--program NAME] [--cluster PRESET|FILE.json] [--nodes N]
                   [--dtype fp32|bf16] [--kernels eager|fused] [--overlap data|none]
                   [--recompute none|full] [--tf32] [--profile DB.json] [--json]
                   [--trace OUT.json] [--svg OUT.svg] [--no-typecheck]
  meshtype profile <file.ts> --program NAME [--device cpu|cuda] [--as DEVICE] [--dtype fp32|bf16]
                   [--out profile.json] [--runs N] [--no-typecheck]
  meshtype --help | --version

Commands:
  build     Compile every \`export const NAME = program(model, { mesh, layout })\` in the
            files into a TypeScript device module per file. By default the module of
            DIR/model.ts is written to DIR/generated/model.ts (tsconfig excludes
            generated/ folders); with --out DIR every module goes to DIR/<file name>.
            --target ts     a TypeScript module of device programs (the default)
            --target torch  a Python module for torch.distributed, DIR/<name>_torch.py,
                            and its runtime package DIR/meshtype_torch/; run it with
                            torchrun --nproc_per_node <devices> DIR/<name>_torch.py
                              --program NAME (--inputs IN | --init-seed S) [--outputs OUT]
                            (docs/torch.md: one GPU node, several nodes, NCCL, inputs)
  explain   Print each program's IR before and after lowering, and a table of its ops:
            op, source location, global dims, local shape, collective, mesh axis and
            bytes per device; then the bytes per call by collective.
            --program NAME  only the program bound to NAME
            --json          one JSON object: { programs: [{ name, mesh, layout, ir, ops, totals }] }

  simulate  Simulate one step of each program on a cluster (default: a100, as many DGX
            A100 nodes as the mesh needs; presets v100, a100, h100, h200, or a JSON file):
            step time, compute, exposed communication, FLOP/s and MFU, peak memory per
            device with its breakdown, the mesh's mapping onto nodes, and the top kernels
            and collectives. --trace writes a Chrome trace (Perfetto), --svg a timeline.
            --kernels fused prices fused element-wise kernels; --overlap none runs
            collectives on the compute stream; --recompute full runs the forward twice.
            (docs/simulate.md)
  profile   Time every distinct local op of a program with torch (/usr/bin/python3, or
            $MESHTYPE_PYTHON) and write them to a profile database for simulate --profile.

Options:
  --no-typecheck  skip reporting TypeScript errors in the files (faster)
  --help, -h      show this text

Exit codes: 0 success; 1 errors in the sources (printed as file:line:col CODE message
and a hint); 2 bad usage (unknown command, option or target, missing or unreadable files).
`;

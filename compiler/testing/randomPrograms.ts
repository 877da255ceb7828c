/**
 * Random programs for property tests: chains of ops over a small pool of
 * named dims, on a random mesh, under a random layout. Everything is drawn
 * from one integer seed so a failing case prints as one number.
 */
import type { MeshAxis } from "../../dsl/mesh.ts";
import type { Dim } from "../../dsl/tensor.ts";
import { ProgramBuilder } from "../ir/builder.ts";
import type { Program, ValueId } from "../ir/ir.ts";

/** A deterministic draw of integers in [0, n). */
function draws(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % n;
  };
}

function pick<T>(draw: (n: number) => number, items: readonly T[]): T {
  return items[draw(items.length)];
}

function subset<T>(draw: (n: number) => number, items: readonly T[], min: number): T[] {
  const chosen = items.filter(() => draw(2) === 1);
  while (chosen.length < Math.min(min, items.length)) {
    const extra = items.find((item) => !chosen.includes(item));
    if (extra === undefined) break;
    chosen.push(extra);
  }
  return items.filter((item) => chosen.includes(item));
}

/** The dims, mesh and layout string of a random program. */
interface Setting {
  readonly pool: Dim[];
  readonly mesh: MeshAxis[];
  readonly spec: string;
}

const meshes: readonly MeshAxis[][] = [
  [{ name: "x", size: 2 }],
  [{ name: "x", size: 2 }, { name: "y", size: 2 }],
  [{ name: "x", size: 4 }, { name: "y", size: 2 }],
];

/** Any layout: each dim on a random axis or replicated (about half of them are user errors, MT2001/MT2002). */
function anySetting(draw: (n: number) => number): Setting {
  const pool: Dim[] = ["a", "b", "c", "d"].map((name) => ({ name, size: pick(draw, [2, 4, 8]) }));
  const mesh = pick(draw, meshes);
  const rules = pool.flatMap((dim) => {
    const choice = draw(mesh.length + 1);
    return choice < mesh.length ? [`${dim.name}:${mesh[choice].name}`] : [];
  });
  return { pool, mesh, spec: rules.join(", ") };
}

/**
 * A layout that mostly holds: each mesh axis on at most one dim, sometimes a
 * dim over both axes (`a:(x, y)`), sizes that their axes divide, or an uneven
 * size under a `padded(...)` rule; one draw in eight is `anySetting`, so user
 * errors stay exercised.
 */
function validSetting(draw: (n: number) => number): Setting {
  if (draw(8) === 0) return anySetting(draw);
  const mesh = pick(draw, meshes);
  const names = ["a", "b", "c", "d"];
  const axesOf = new Map<string, MeshAxis[]>();
  for (const axis of mesh) {
    if (draw(4) === 0) continue; // this axis replicates everything
    const name = pick(draw, names);
    const stack = axesOf.get(name) ?? [];
    stack.push(axis);
    axesOf.set(name, stack);
  }
  const padded = new Set<string>();
  const pool: Dim[] = names.map((name) => {
    const devices = (axesOf.get(name) ?? []).reduce((product, axis) => product * axis.size, 1);
    if (devices > 1 && draw(6) === 0) {
      padded.add(name);
      return { name, size: pick(draw, [devices + 1, 2 * devices - 1, 3 * devices + 1]) };
    }
    return { name, size: devices * pick(draw, [1, 2, 4]) };
  });
  const rules = names.flatMap((name) => {
    const stack = axesOf.get(name);
    if (stack === undefined) return [];
    const axes = stack.map((axis) => axis.name);
    const right = axes.length === 1 && !padded.has(name) ? axes[0] : `${padded.has(name) ? "padded" : ""}(${axes.join(", ")})`;
    return [`${name}:${right}`];
  });
  return { pool, mesh, spec: rules.join(", ") };
}

/** Rules over several axes, padded: each dim takes a drawn ordered set of the axes no other dim took. */
function unevenRules(draw: (n: number) => number, pool: readonly Dim[], mesh: readonly MeshAxis[]): string[] {
  const free = mesh.map((axis) => axis.name);
  return pool.flatMap((dim) => {
    const axes: string[] = [];
    while (free.length > 0 && draw(2) === 1) axes.push(free.splice(draw(free.length), 1)[0]);
    return axes.length === 0 ? [] : [`${dim.name}:padded(${axes.join(", ")})`];
  });
}

/** Uneven layouts: dim sizes from 1 to 8, a 2x2x2 mesh too, rules over one or several axes (in any order), all `padded(...)`. */
function unevenSetting(draw: (n: number) => number): Setting {
  const pool: Dim[] = ["a", "b", "c", "d"].map((name) => ({ name, size: pick(draw, [1, 2, 3, 5, 6, 7, 8]) }));
  const mesh = pick(draw, [...meshes, [{ name: "x", size: 2 }, { name: "y", size: 2 }, { name: "z", size: 2 }]]);
  return { pool, mesh, spec: unevenRules(draw, pool, mesh).join(", ") };
}

/** What kind of layouts `randomProgram` draws. */
export interface RandomProgramOptions {
  /**
   * Uneven layouts: dim sizes from 1 to 7 as well as 8, rules over one or
   * several axes (in any order), all `padded(...)`, relayouts padded too.
   */
  readonly uneven?: boolean;
  /**
   * `"any"` (the default: each dim on a random axis, about half of them user
   * errors) or `"mostly valid"` (layouts that mostly hold, so most compile).
   * Ignored with `uneven`.
   */
  readonly layouts?: "any" | "mostly valid";
}

/** A random program of `seed`: 2-3 params, 1-7 ops, a random mesh and layout (as `options` asks). */
export function randomProgram(seed: number, options: RandomProgramOptions = {}): Program {
  const draw = draws(seed);
  const { pool, mesh, spec } = options.uneven ? unevenSetting(draw) : options.layouts === "mostly valid" ? validSetting(draw) : anySetting(draw);
  const b = new ProgramBuilder({ name: `random${seed}`, mesh, layoutSpec: spec });
  const values: ValueId[] = [];
  const paramCount = 2 + draw(2);
  for (let index = 0; index < paramCount; index++) values.push(b.param(`p${index}`, subset(draw, pool, 1)));
  const names = (id: ValueId): string[] => b.dimsOf(id).map((dim) => dim.name);
  const opCount = 1 + draw(7);
  for (let step = 0; step < opCount; step++) {
    // Lean on recent values so that partial results meet other partial results.
    const x = draw(2) === 0 ? values[values.length - 1] : pick(draw, values);
    const y = draw(2) === 0 ? values[values.length - 2] : pick(draw, values);
    const kind = draw(8);
    let out: ValueId;
    if (kind === 0) out = b.add({ op: "unary", fn: pick(draw, ["tanh", "relu", "neg", "sigmoid"] as const) }, [x]);
    else if (kind === 1) out = b.add({ op: "binary", fn: pick(draw, ["add", "sub", "mul", "maximum"] as const) }, [x, y]);
    else if (kind === 2) {
      const all = [...new Set([...names(x), ...names(y)])];
      out = b.add({ op: "einsum" }, [x, y], { out: subset(draw, all, 1) });
    } else if (kind === 3 && names(x).length > 1) {
      const dims = subset(draw, names(x), 1).slice(0, names(x).length - 1);
      out = b.add({ op: "reduce", fn: pick(draw, ["sum", "max", "min", "mean", "logsumexp"] as const), dims }, [x]);
    } else if (kind === 4) out = b.add({ op: "softmax", dim: pick(draw, names(x)), log: draw(2) === 1 }, [x]);
    else if (kind === 5) out = b.add({ op: "transpose" }, [x], { out: [...names(x)].reverse() });
    else if (kind === 6) out = b.add({ op: "relayout", rules: [{ dim: pick(draw, names(x)), axis: pick(draw, mesh).name, ...(options.uneven ? { padded: true as const } : {}) }] }, [x]);
    else out = b.add({ op: "binary", fn: "mul", scalar: { value: 0.5, position: 1 } }, [x]);
    values.push(out);
  }
  b.setResult(values[values.length - 1]);
  return b.finish();
}

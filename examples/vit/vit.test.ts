/**
 * examples/vit through the compiler: every forward program and training step
 * (a strided conv2d patch embedding, a class token, encoder blocks) equals
 * eager and communicates the minimum docs/communication.md derives (ViT
 * section).
 */
import { beforeAll, describe, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { tensor } from "meshtype";
import { initAdamWState } from "meshtype/stdlib";
import type { Program } from "../../compiler/ir/ir.ts";
import { maxDifference, runEager, type Args } from "../../compiler/testing/harness.ts";
import { expectMinimum, plus } from "../expectCommunication.ts";
import { asTree, loadPrograms } from "../train/runSteps.ts";
import { initVitParams, makeImages, makeLabels } from "./inputs.ts";
import { D, LAYERS, vit, vitTrainStep } from "./vit.ts";

const BYTES = 4;
let programs = new Map<string, Program>();
beforeAll(() => {
  programs = loadPrograms(fileURLToPath(new URL("vit.ts", import.meta.url)));
}, 180_000);
function named(name: string): Program {
  const found = programs.get(name);
  if (!found) throw new Error(`no program ${name}; found ${[...programs.keys()].join(", ")}`);
  return found;
}

const images = makeImages(0);
const params = initVitParams(0);
const { batch, tokens, d_model: m, heads: h, d_head: dh, d_ff: f, classes, channels, patch_h: ph, patch_w: pw } = D.sizes;

/** Parameters per device, in elements, with heads and d_ff split over `n` devices (norms, embeddings, the head and the MLP's output bias stay whole). */
function paramsPerDevice(n: number): number {
  const whole = ph * pw * channels * m + m + tokens * m + LAYERS * (4 * m + m) + 2 * m + m * classes + classes;
  const split = LAYERS * (4 * m * h * dh + m * f + f + f * m);
  return whole + split / n;
}
/** Two all-reduces of the residual stream `[B, tokens, M]` per block (attention and MLP outputs). */
const blocks = (dataSize: number): readonly [number, number] => [2 * LAYERS, 2 * LAYERS * BYTES * (batch / dataSize) * tokens * m];
/** Every gradient all-reduced over data: 3 before the blocks, 12 per block, 4 after, and the loss. */
const gradients = (n: number): readonly [number, number] => [3 + 12 * LAYERS + 4 + 1, BYTES * paramsPerDevice(n) + BYTES];

describe("examples/vit", () => {
  test("the class token carries the image: its logits change with one patch's pixels", () => {
    const before = vit(images, params).data;
    const changed = Float32Array.from(images.data);
    changed[0] += 1; // the first pixel of the first image: its top-left patch
    const after = vit(tensor(D, "batch height width channels", changed), params).data;
    expect(Array.from(after.slice(0, classes))).not.toEqual(Array.from(before.slice(0, classes)));
    expect(Array.from(after.slice(classes))).toEqual(Array.from(before.slice(classes)));
  });

  const forward: Args = [{ name: "images", tree: images }, { name: "params", tree: asTree(params) }];
  test("the compiler reads the model as it runs eagerly (the IR's result equals vit(images, params))", async () => {
    expect(maxDifference(await runEager(named("vitData"), forward), vit(images, params))).toBeLessThan(1e-5);
  });
  test("vitData communicates nothing", async () => {
    await expectMinimum(named("vitData"), forward, {});
  });
  test("vitTensor: 2L all-reduces of batch x tokens x d_model over model=2", async () => {
    await expectMinimum(named("vitTensor"), forward, { allReduce: blocks(1) });
  });
  test("vit2d: the same on a batch half", async () => {
    await expectMinimum(named("vit2d"), forward, { allReduce: blocks(2) });
  });

  const state = initAdamWState(D, params);
  const labels = makeLabels(1);
  const training: Args = [
    { name: "params", tree: asTree(params) },
    { name: "state", tree: asTree(state) },
    { name: "images", tree: images },
    { name: "labels", tree: labels },
  ];
  test("the compiled training step reads as the eager one runs (IR result equals vitTrainStep: params, AdamW state, loss)", async () => {
    const eager = vitTrainStep(params, state, images, labels);
    expect(maxDifference(await runEager(named("vitTrainData"), training), asTree(eager))).toBeLessThan(1e-5);
  });
  test("vitTrainData: every gradient all-reduced over data (the patch kernel's, the class token's), and the loss", async () => {
    await expectMinimum(named("vitTrainData"), training, { allReduce: gradients(1) }, 1e-4);
  });
  test("vitTrainTensor: the blocks' all-reduces forward and backward", async () => {
    await expectMinimum(named("vitTrainTensor"), training, { allReduce: plus(blocks(1), blocks(1)) }, 1e-4);
  });
  test("vitTrain2d: both on a batch half, with the gradients of the model-split parameters halved", async () => {
    await expectMinimum(named("vitTrain2d"), training, { allReduce: plus(blocks(2), blocks(2), gradients(2)) }, 1e-4);
  });
});

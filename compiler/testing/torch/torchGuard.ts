/**
 * `describeWithTorch`: a describe block that needs Python with torch. Where
 * torch is missing it does not pass quietly: it fails with one test that says
 * what is missing and how to install it, unless MESHTYPE_SKIP_TORCH=1, which
 * skips the block and prints why.
 */
import { describe, test } from "vitest";
import { probeTorch, skipTorch, type TorchProbe } from "./torchEnv.ts";

/** Run `body` as a describe block when torch is there; otherwise fail loudly, or skip visibly. */
export function describeWithTorch(title: string, body: (probe: Extract<TorchProbe, { ok: true }>) => void): void {
  const probe = probeTorch();
  if (probe.ok) {
    describe(`${title} (torch ${probe.version})`, () => body(probe));
    return;
  }
  if (skipTorch) {
    console.warn(`\n*** SKIPPED "${title}": MESHTYPE_SKIP_TORCH=1 and ${probe.reason}\n`);
    describe.skip(`${title} (SKIPPED: no torch, MESHTYPE_SKIP_TORCH=1)`, () => test("needs torch", () => undefined));
    return;
  }
  describe(title, () => {
    test("Python with torch is available", () => {
      throw new Error(`The torch back end cannot be tested: ${probe.reason}`);
    });
  });
}

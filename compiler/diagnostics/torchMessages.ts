/**
 * torch back-end diagnostics (MT6xxx): programs that compile but that the
 * torch.distributed back end (`meshtype build --target torch`) cannot write.
 * Each message names the op; each hint says how to write it so that it can.
 */
import type { MessageTemplate } from "./diagnostic.ts";

function entry<Args>(code: string, message: (args: Args) => string, hint: (args: Args) => string): MessageTemplate<Args> {
  return { code, message, hint };
}

/** The torch back end's message table. */
export const torchMessages = {
  einsumTooManyDims: entry<{ count: number; dims: string }>(
    "MT6701",
    (a) => `This einsum names ${a.count} distinct dims (${a.dims}), but torch.einsum has only 52 subscript letters (a-z, A-Z).`,
    () => "Split it into einsums of at most 52 dims each (contract some dims first, then the rest), or build with `--target ts`, which has no such limit.",
  ),
} as const;

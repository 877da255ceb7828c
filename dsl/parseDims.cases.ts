/**
 * One table of dims strings drives both twins: `parseDims.test.ts` runs the
 * runtime (`parseDims`, `Dims.shape`) and `type-tests/dims.test-d.ts` checks the
 * types (`ValidateDims`, `ValidateDimsIn`) against the same literal messages.
 * `message: null` means valid.
 */

/** The declared dims every case is checked against. */
export const caseSizes = { batch: 8, seq: 4, d_model: 16, d_ff: 64 } as const;

/** Dims strings and what both twins say about them (syntax and repeats only). */
export const dimsCases = [
  { spec: "batch seq d_model", message: null },
  { spec: "", message: null },
  { spec: "  batch   seq ", message: null },
  { spec: "x_1 _y", message: null },
  {
    spec: "batch batch",
    message: 'Dim "batch" appears twice in "batch batch". A tensor has each dim once; rename one of them (e.g. "batch_2").',
  },
  {
    spec: "a b a b",
    message: 'Dim "a" appears twice in "a b a b". A tensor has each dim once; rename one of them (e.g. "a_2").',
  },
  {
    spec: "batch 1seq",
    message:
      '"1seq" in dims "batch 1seq" is not a dim name. Use letters, digits and _ (not starting with a digit), separated by spaces.',
  },
  {
    spec: "batch,seq",
    message:
      '"batch,seq" in dims "batch,seq" is not a dim name. Use letters, digits and _ (not starting with a digit), separated by spaces.',
  },
  {
    spec: "d-model d-model",
    message:
      '"d-model" in dims "d-model d-model" is not a dim name. Use letters, digits and _ (not starting with a digit), separated by spaces.',
  },
] as const;

/** Dims strings checked against {@link caseSizes}: syntax first, then undeclared names, in order. */
export const dimsInCases = [
  { spec: "batch seq", message: null },
  { spec: "d_ff batch", message: null },
  { spec: "", message: null },
  {
    spec: "batch modle",
    message:
      'Unknown dim "modle" in "batch modle": it is not declared in dims({...}). Fix the spelling, or declare modle with its size in dims({...}).',
  },
  {
    spec: "toString",
    message:
      'Unknown dim "toString" in "toString": it is not declared in dims({...}). Fix the spelling, or declare toString with its size in dims({...}).',
  },
  {
    spec: "x seq seq",
    message: 'Dim "seq" appears twice in "x seq seq". A tensor has each dim once; rename one of them (e.g. "seq_2").',
  },
] as const;

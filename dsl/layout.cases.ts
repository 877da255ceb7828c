/**
 * One table of layout strings drives both twins: `layout.test.ts` runs
 * `parseLayout`/`layout()` and `type-tests/layout.test-d.ts` checks
 * `ValidateLayout` against the same literal messages. `message: null` means valid.
 */

/** The mesh axes every case is laid out over. */
export const caseAxes = { data: 4, model: 2, pipe: 3 } as const;
/** The declared dims every case lays out. */
export const caseSizes = { batch: 64, seq: 512, d_model: 1024, d_ff: 4096, heads: 16, vocab: 50257, layers: 12 } as const;

/** Layout strings and what both twins say about them. */
export const layoutCases = [
  { spec: "", message: null },
  { spec: " \t", message: null },
  { spec: "batch:data", message: null },
  { spec: "batch:data, d_ff:model", message: null },
  { spec: "batch : data ,d_ff:model", message: null },
  { spec: "\tbatch:data,\n d_ff:model\r\n", message: null },
  { spec: "d_ff:model, heads:model", message: null },
  { spec: "layers:pipe, batch:data", message: null },
  { spec: "auto", message: null },
  { spec: "batch:data, auto", message: null },
  { spec: " batch:data ,\tauto\n", message: null },
  {
    spec: "auto, batch:data",
    message:
      'Cannot read "auto" in layout "auto, batch:data". Write each rule as dim:axis, separated by commas, e.g. "batch:data, d_ff:model".',
  },
  {
    spec: "batch=data",
    message:
      'Cannot read "batch=data" in layout "batch=data". Write each rule as dim:axis, separated by commas, e.g. "batch:data, d_ff:model".',
  },
  {
    spec: "batch:data,",
    message:
      'Cannot read "" in layout "batch:data,". Write each rule as dim:axis, separated by commas, e.g. "batch:data, d_ff:model".',
  },
  {
    spec: "batch:data d_ff:model",
    message:
      'Cannot read "batch:data d_ff:model" in layout "batch:data d_ff:model". Write each rule as dim:axis, separated by commas, e.g. "batch:data, d_ff:model".',
  },
  {
    spec: " \tbatch=data\n",
    message:
      'Cannot read "batch=data" in layout " \tbatch=data\n". Write each rule as dim:axis, separated by commas, e.g. "batch:data, d_ff:model".',
  },
  {
    spec: "batch:data:model",
    message:
      'Cannot read "batch:data:model" in layout "batch:data:model". Write each rule as dim:axis, separated by commas, e.g. "batch:data, d_ff:model".',
  },
  {
    spec: "batch:data, batch:model",
    message:
      'Dim "batch" is listed twice in layout "batch:data, batch:model" (on "data" and on "model"). Keep one rule for "batch".',
  },
  {
    spec: "btch:data",
    message:
      'Layout "btch:data" names dim "btch", which is not declared in dims({...}). Fix the spelling, or declare btch with its size in dims({...}).',
  },
  {
    spec: "batch:data, d_ff:modle",
    message:
      'Unknown mesh axis "modle" in layout "batch:data, d_ff:modle" (the rule for "d_ff"): the mesh has no such axis. Fix the spelling, or add modle with its size to mesh({...}).',
  },
  {
    spec: "vocab:model",
    message:
      'Layout "vocab:model": dim "vocab" has size 50257, which mesh axis "model" (size 2) does not divide. Either change the layout "vocab:model" to leave "vocab" replicated or put it on another axis, or make vocab a multiple of 2.',
  },
  {
    spec: "batch:data, d_model:pipe",
    message:
      'Layout "batch:data, d_model:pipe": dim "d_model" has size 1024, which mesh axis "pipe" (size 3) does not divide. Either change the layout "batch:data, d_model:pipe" to leave "d_model" replicated or put it on another axis, or make d_model a multiple of 3.',
  },
  {
    spec: "x:data, batch:data, batch:model",
    message:
      'Dim "batch" is listed twice in layout "x:data, batch:data, batch:model" (on "data" and on "model"). Keep one rule for "batch".',
  },
] as const;

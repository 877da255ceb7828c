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
      'Cannot read "auto" in layout "auto, batch:data". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".',
  },
  {
    spec: "batch=data",
    message:
      'Cannot read "batch=data" in layout "batch=data". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".',
  },
  {
    spec: "batch:data,",
    message:
      'Cannot read "" in layout "batch:data,". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".',
  },
  {
    spec: "batch:data d_ff:model",
    message:
      'Cannot read "batch:data d_ff:model" in layout "batch:data d_ff:model". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".',
  },
  {
    spec: " \tbatch=data\n",
    message:
      'Cannot read "batch=data" in layout " \tbatch=data\n". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".',
  },
  {
    spec: "batch:data:model",
    message:
      'Cannot read "batch:data:model" in layout "batch:data:model". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".',
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
      'Layout "vocab:model": dim "vocab" has size 50257, which mesh axis "model" (size 2) does not divide. Either change the layout "vocab:model" to leave "vocab" replicated or put it on other axes, make vocab a multiple of 2, or split it unevenly with "vocab:padded(model)" (every shard is padded to the size of the largest).',
  },
  {
    spec: "batch:data, d_model:pipe",
    message:
      'Layout "batch:data, d_model:pipe": dim "d_model" has size 1024, which mesh axis "pipe" (size 3) does not divide. Either change the layout "batch:data, d_model:pipe" to leave "d_model" replicated or put it on other axes, make d_model a multiple of 3, or split it unevenly with "d_model:padded(pipe)" (every shard is padded to the size of the largest).',
  },
  {
    spec: "x:data, batch:data, batch:model",
    message:
      'Dim "batch" is listed twice in layout "x:data, batch:data, batch:model" (on "data" and on "model"). Keep one rule for "batch".',
  },
  // a dim over several axes, major first; uneven splits opted into with padded(...)
  { spec: "batch:(data, model)", message: null },
  { spec: "batch : ( data ,model ), layers:pipe", message: null },
  { spec: "batch:(data), d_ff:(model, data), seq:padded(model, data, pipe)", message: null },
  { spec: "vocab:padded(model)", message: null },
  { spec: "vocab:padded (data, model), layers:pipe", message: null },
  { spec: "heads:padded(pipe), batch:(data, model), auto", message: null },
  { spec: "d_ff:padded(data)", message: null },
  {
    spec: "batch:(data, data)",
    message: 'Mesh axis "data" is listed twice in the rule for "batch" in layout "batch:(data, data)". A dim is split over each axis at most once: keep one "data".',
  },
  {
    spec: "batch:(data, model), batch:pipe",
    message:
      'Dim "batch" is listed twice in layout "batch:(data, model), batch:pipe" (on "(data, model)" and on "pipe"). Keep one rule for "batch".',
  },
  {
    spec: "vocab:padded(model), vocab:(data, pipe)",
    message:
      'Dim "vocab" is listed twice in layout "vocab:padded(model), vocab:(data, pipe)" (on "padded(model)" and on "(data, pipe)"). Keep one rule for "vocab".',
  },
  {
    spec: "heads:(data, pipe)",
    message:
      'Layout "heads:(data, pipe)": dim "heads" has size 16, which mesh axes (data, pipe) (12 devices) do not divide. Either change the layout "heads:(data, pipe)" to leave "heads" replicated or put it on other axes, make heads a multiple of 12, or split it unevenly with "heads:padded(data, pipe)" (every shard is padded to the size of the largest).',
  },
  {
    spec: "batch:(data, model), d_model:(model, pipe)",
    message:
      'Layout "batch:(data, model), d_model:(model, pipe)": dim "d_model" has size 1024, which mesh axes (model, pipe) (6 devices) do not divide. Either change the layout "batch:(data, model), d_model:(model, pipe)" to leave "d_model" replicated or put it on other axes, make d_model a multiple of 6, or split it unevenly with "d_model:padded(model, pipe)" (every shard is padded to the size of the largest).',
  },
  {
    spec: "batch:(data, modle)",
    message:
      'Unknown mesh axis "modle" in layout "batch:(data, modle)" (the rule for "batch"): the mesh has no such axis. Fix the spelling, or add modle with its size to mesh({...}).',
  },
  {
    spec: "vocab:padded",
    message:
      'Unknown mesh axis "padded" in layout "vocab:padded" (the rule for "vocab"): the mesh has no such axis. Fix the spelling, or add padded with its size to mesh({...}).',
  },
  { spec: "batch:(data", message: 'Cannot read "batch:(data" in layout "batch:(data". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".' },
  { spec: "batch:(data, model", message: 'Cannot read "batch:(data, model" in layout "batch:(data, model". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".' },
  { spec: "batch:()", message: 'Cannot read "batch:()" in layout "batch:()". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".' },
  { spec: "batch:data)", message: 'Cannot read "batch:data)" in layout "batch:data)". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".' },
  { spec: "batch:(data, (model))", message: 'Cannot read "batch:(data, (model))" in layout "batch:(data, (model))". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".' },
  { spec: "vocab:paddedx(model)", message: 'Cannot read "vocab:paddedx(model)" in layout "vocab:paddedx(model)". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".' },
  { spec: "batch:(data,), seq:model", message: 'Cannot read "batch:(data,)" in layout "batch:(data,), seq:model". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".' },
] as const;

/**
 * The order in which one stage of a pipeline runs its micro-batches' forward
 * and backward parts, under GPipe or 1F1B. Every stage runs the same
 * micro-batches in the same order per phase, so the sends and receives of
 * neighbouring stages meet; with buffered sends neither schedule deadlocks.
 */

/** One step of a stage's schedule. */
export interface PipelineTask {
  readonly phase: "forward" | "backward";
  readonly microbatch: number;
}

/**
 * The tasks of `stage` (of `stages`) for `microbatches` micro-batches.
 * Without a backward (a forward-only program) every schedule is the
 * forwards in order. `"gpipe"`: every forward, then every backward.
 * `"1f1b"` (PipeDream-Flush): `min(stages - 1 - stage, microbatches)`
 * warm-up forwards, then one forward and one backward in turn, then the
 * remaining backwards, so at most `stages - stage` micro-batches are in
 * flight on the stage.
 *
 * @example
 * pipelineTasks("1f1b", 0, 2, 3, true).map((t) => `${t.phase[0]}${t.microbatch}`); // ["f0", "f1", "b0", "f2", "b1", "b2"]
 */
export function pipelineTasks(schedule: "gpipe" | "1f1b", stage: number, stages: number, microbatches: number, backward: boolean): PipelineTask[] {
  const forward = (microbatch: number): PipelineTask => ({ phase: "forward", microbatch });
  const back = (microbatch: number): PipelineTask => ({ phase: "backward", microbatch });
  const all = Array.from({ length: microbatches }, (_, index) => index);
  if (!backward) return all.map(forward);
  if (schedule === "gpipe") return [...all.map(forward), ...all.map(back)];
  const warmup = Math.min(stages - 1 - stage, microbatches);
  const tasks: PipelineTask[] = [];
  for (let index = 0; index < warmup; index++) tasks.push(forward(index));
  for (let index = 0; index < microbatches - warmup; index++) tasks.push(forward(warmup + index), back(index));
  for (let index = microbatches - warmup; index < microbatches; index++) tasks.push(back(index));
  return tasks;
}

/** The most micro-batches whose forward has run and backward has not, at any point of `tasks`: the activations a stage keeps. */
export function peakInFlight(tasks: readonly PipelineTask[]): number {
  let inFlight = 0;
  let peak = 0;
  for (const task of tasks) {
    inFlight += task.phase === "forward" ? 1 : -1;
    peak = Math.max(peak, inFlight);
  }
  return peak;
}

/**
 * Did-you-mean for the command line: the known name closest to what was
 * typed, by edit distance (insertions, deletions, substitutions and swaps of
 * two neighbours), as TypeScript's spelling suggestions do: a candidate counts
 * when it is at most a third of its length away, or starts with what was typed.
 */

/** The optimal string alignment distance between `a` and `b` (Levenshtein plus adjacent swaps). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  const table: number[][] = Array.from({ length: rows }, (_, row) => Array.from({ length: columns }, (_, column) => (row === 0 ? column : column === 0 ? row : 0)));
  const cell = (row: number, column: number): number => table[row]?.[column] ?? Number.POSITIVE_INFINITY;
  for (let row = 1; row < rows; row++) {
    for (let column = 1; column < columns; column++) {
      const cost = a[row - 1] === b[column - 1] ? 0 : 1;
      let best = Math.min(cell(row - 1, column) + 1, cell(row, column - 1) + 1, cell(row - 1, column - 1) + cost);
      if (row > 1 && column > 1 && a[row - 1] === b[column - 2] && a[row - 2] === b[column - 1]) best = Math.min(best, cell(row - 2, column - 2) + 1);
      const line = table[row];
      if (line !== undefined) line[column] = best;
    }
  }
  return cell(a.length, b.length);
}

/**
 * The candidate `typed` most likely meant, or undefined when none is close.
 *
 * @example
 * suggest("--jsn", ["--json", "--program"]); // "--json"
 * suggest("biuld", ["build", "explain"]);    // "build"
 */
export function suggest(typed: string, candidates: readonly string[]): string | undefined {
  const lower = typed.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    const close = distance <= Math.max(1, Math.floor(candidate.length / 3)) || (lower.length >= 3 && candidate.toLowerCase().startsWith(lower));
    if (close && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

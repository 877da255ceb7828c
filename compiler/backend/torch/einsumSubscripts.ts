/**
 * Single-letter einsum subscripts for named dims: each dim gets the first free
 * letter among the initials of its underscore-separated parts, last part first
 * (`batch` -> b, `d_model` -> m, `d_ff` -> f, `kv_seq` -> s or k), then the
 * other letters of its name, then a-z, A-Z. torch.einsum takes 52 letters, so
 * an einsum may name at most 52 distinct dims.
 */
const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** The most distinct dims one torch.einsum can name: one per subscript letter. */
export const maxEinsumDims = alphabet.length;

/** The letter of every distinct dim name in `names` (in first-seen order). */
export function assignLetters(names: readonly string[]): Map<string, string> {
  const letters = new Map<string, string>();
  const used = new Set<string>();
  for (const name of names) {
    if (letters.has(name)) continue;
    const initials = name.split("_").map((part) => part.charAt(0)).reverse();
    const letter = [...initials, ...name, ...alphabet].find((char) => alphabet.includes(char) && !used.has(char));
    if (letter === undefined) {
      throw new Error(`einsum over ${new Set(names).size} distinct dims: torch.einsum has only 52 subscript letters. Split the einsum into smaller ones.`);
    }
    letters.set(name, letter);
    used.add(letter);
  }
  return letters;
}

/** `"bsd,df->bsf"` for inputs with the given dim names and the output's. */
export function einsumEquation(inputs: readonly (readonly string[])[], output: readonly string[]): string {
  const letters = assignLetters([...inputs.flat(), ...output]);
  const word = (names: readonly string[]): string => names.map((name) => letters.get(name)).join("");
  return `${inputs.map(word).join(",")}->${word(output)}`;
}

/**
 * A readable print of a tensor, in the manner of `torch.Tensor.__repr__`:
 * a header with the dims, then the values as nested brackets, one bracket
 * level per dim, aligned in columns, with 4 decimals (or scientific notation
 * when the magnitudes span too far). Above `threshold` elements only the
 * first and last `edgeItems` of each dim are shown, with `...` between.
 * `console.log(tensor)` in Node prints this. The header names the tensor by
 * its label when that is short.
 */
import type { Tensor } from "./tensor.ts";

/** How `formatTensor` prints. The defaults are torch's (precision 4, threshold 1000, edge items 3). */
export interface FormatTensorOptions {
  /** Digits after the decimal point. */
  readonly precision?: number;
  /** Tensors with more elements than this are summarized. */
  readonly threshold?: number;
  /** Items shown at each end of a dim when summarized. */
  readonly edgeItems?: number;
}

/** Labels longer than this are not printed in the header. */
const maxLabelLength = 40;

/** The indices of a dim of `size` to show: all, or the ends with `undefined` for the elided middle. */
function shownIndices(size: number, summarize: boolean, edgeItems: number): (number | undefined)[] {
  if (!summarize || size <= 2 * edgeItems) return Array.from({ length: size }, (_, index) => index);
  return [...Array.from({ length: edgeItems }, (_, index) => index), undefined, ...Array.from({ length: edgeItems }, (_, index) => size - edgeItems + index)];
}

/** One number as the print writes it: fixed or scientific, integers as `3.` (as torch does). */
function numberFormatter(values: readonly number[], precision: number): (value: number) => string {
  const finite = values.filter((value) => Number.isFinite(value));
  const magnitudes = finite.map(Math.abs).filter((value) => value > 0);
  const largest = Math.max(0, ...magnitudes);
  const smallest = magnitudes.length === 0 ? 0 : Math.min(...magnitudes);
  const special = (value: number): string | undefined => (Number.isNaN(value) ? "nan" : value === Infinity ? "inf" : value === -Infinity ? "-inf" : undefined);
  if (finite.every((value) => Number.isInteger(value)) && largest < 1e8) return (value) => special(value) ?? `${value.toFixed(0)}.`;
  if (largest >= 1e8 || (smallest > 0 && smallest < 10 ** -precision) || (smallest > 0 && largest / smallest > 1e3)) {
    return (value) => special(value) ?? value.toExponential(precision).replace(/e([+-])(\d)$/, "e$10$2");
  }
  return (value) => special(value) ?? value.toFixed(precision);
}

/**
 * The print of `tensor`.
 *
 * @example
 * formatTensor(x);
 * // tensor "x" [batch=2 d=3]
 * // [[ 0.1234, -1.0000,  2.5000],
 * //  [ 0.0000,  0.5000, -0.2500]]
 */
export function formatTensor(tensor: Tensor<string>, options: FormatTensorOptions = {}): string {
  const precision = options.precision ?? 4;
  const edgeItems = options.edgeItems ?? 3;
  const summarize = tensor.data.length > (options.threshold ?? 1000);
  const shape = tensor.dims.map((dim) => `${dim.name}=${dim.size}`).join(" ");
  // A label is a name ("x", "mlp.up.w") or, for an eager op's result, the expression that made it; long ones are left out.
  const label = tensor.label !== undefined && tensor.label.length <= maxLabelLength ? ` "${tensor.label}"` : "";
  const header = `tensor${label} [${shape}]`;
  const strides = tensor.strides;
  const shown: number[] = [];
  const collect = (axis: number, offset: number): void => {
    if (axis === tensor.dims.length) {
      shown.push(tensor.data[offset] ?? Number.NaN);
      return;
    }
    for (const index of shownIndices(tensor.dims[axis]?.size ?? 0, summarize, edgeItems)) {
      if (index !== undefined) collect(axis + 1, offset + index * (strides[axis] ?? 0));
    }
  };
  collect(0, 0);
  const format = numberFormatter(shown, precision);
  const width = Math.max(0, ...shown.map((value) => format(value).length));
  if (tensor.dims.length === 0) return `${header}\n${format(tensor.data[0] ?? Number.NaN)}`;
  const render = (axis: number, offset: number, indent: number): string => {
    const size = tensor.dims[axis]?.size ?? 0;
    const indices = shownIndices(size, summarize, edgeItems);
    if (axis === tensor.dims.length - 1) {
      return `[${indices.map((index) => (index === undefined ? "..." : format(tensor.data[offset + index * (strides[axis] ?? 0)] ?? Number.NaN).padStart(width))).join(", ")}]`;
    }
    const separator = `,${"\n".repeat(tensor.dims.length - axis - 1)}${" ".repeat(indent + 1)}`;
    const parts = indices.map((index) => (index === undefined ? "..." : render(axis + 1, offset + index * (strides[axis] ?? 0), indent + 1)));
    return `[${parts.join(separator)}]`;
  };
  return `${header}\n${render(0, 0, 0)}`;
}

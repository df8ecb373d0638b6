// Numbers as the page shows them: few digits, the same width whatever the magnitude.

/**
 * A value with `digits` significant digits: fixed notation between 10⁻³ and 10⁴, scientific
 * outside (with a true minus sign), "0" for zero of either sign.
 */
export function formatNumber(value: number, digits = 4): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "∞";
  if (value === -Infinity) return "−∞";
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  const text =
    magnitude >= 1e-3 && magnitude < 1e4 ? String(Number(value.toPrecision(digits))) : value.toExponential(Math.max(digits - 2, 0)).replace("e+", "e");
  return text.replace(/-/g, "−");
}

/** A difference between two computations: scientific with two digits ("3.1e−17"), "0" when exact. */
export function formatDifference(value: number): string {
  if (value === 0) return "0";
  if (!Number.isFinite(value)) return formatNumber(value);
  return value.toExponential(1).replace("e+", "e").replace(/-/g, "−");
}

/** A shape as the notes write it: [200, 8]; a scalar is []. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** A fraction as a percentage with one decimal: 0.9731 → "97.3%". */
export function formatPercent(fraction: number): string {
  return Number.isFinite(fraction) ? `${(100 * fraction).toFixed(1)}%` : "–";
}

// Special functions that JavaScript's Math lacks, accurate to about an ulp in float64.

/**
 * The error function erf(x) = (2/√π)·∫₀ˣ e^(−t²) dt.
 *
 * Method: the rational approximations of fdlibm's s_erf.c (Sun Microsystems, 1993), chosen
 * by |x| and applied to |x| (erf is odd):
 * - |x| < 0.84375: erf(x) = x + x·P(x²)/Q(x²), with P of degree 4 and Q of degree 5;
 * - 0.84375 ≤ |x| < 1.25: erf(x) = c + P(s)/Q(s) with s = |x| − 1 and c = erf(1) rounded to
 *   24 bits, so that P/Q (a Taylor-like expansion about 1) stays small;
 * - 1.25 ≤ |x| < 6: erf(x) = 1 − erfc(x), with erfc(x) = e^(−x² − 0.5625 + R(1/x²)/S(1/x²)) / x,
 *   one pair R/S below about 1/0.35 ≈ 2.857 and another above; −x² is split as −z² + (z − x)(z + x),
 *   z being x with its low 32 bits cleared, so that z² is exact and e^(−x²) loses nothing to
 *   the rounding of x²;
 * - |x| ≥ 6: erf(x) = ±1 (erfc(6) ≈ 2e−17 is below half an ulp of 1).
 * The error of each approximation is below 2⁻⁵⁷ relative; the result is within an ulp or so.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a < 0.84375) {
    if (a < 3.725290298461914e-9) {
      // 2⁻²⁸: erf(x) = (2/√π)·x to within an ulp. Very small x are scaled by 8 first so
      // that the product with ERF_SMALL_SLOPE does not lose bits to underflow.
      if (a < 2.848094538889218e-306) return 0.125 * (8 * x + ERF_SMALL_SLOPE_TIMES_8 * x);
      return x + ERF_SMALL_SLOPE * x;
    }
    const z = x * x;
    const p = SMALL_P0 + z * (SMALL_P1 + z * (SMALL_P2 + z * (SMALL_P3 + z * SMALL_P4)));
    const q = 1 + z * (SMALL_Q1 + z * (SMALL_Q2 + z * (SMALL_Q3 + z * (SMALL_Q4 + z * SMALL_Q5))));
    return x + x * (p / q);
  }
  if (a < 1.25) {
    const s = a - 1;
    const p = NEAR1_P0 + s * (NEAR1_P1 + s * (NEAR1_P2 + s * (NEAR1_P3 + s * (NEAR1_P4 + s * (NEAR1_P5 + s * NEAR1_P6)))));
    const q = 1 + s * (NEAR1_Q1 + s * (NEAR1_Q2 + s * (NEAR1_Q3 + s * (NEAR1_Q4 + s * (NEAR1_Q5 + s * NEAR1_Q6)))));
    return x >= 0 ? ERF_1_SINGLE + p / q : -ERF_1_SINGLE - p / q;
  }
  if (a >= 6) return x > 0 ? 1 : -1;
  const s = 1 / (a * a);
  let r: number;
  let q: number;
  if (a < 2.8571414947509766) {
    // fdlibm's bound for 1/0.35, as it compares the high word only (0x4006DB6D)
    r = MID_R0 + s * (MID_R1 + s * (MID_R2 + s * (MID_R3 + s * (MID_R4 + s * (MID_R5 + s * (MID_R6 + s * MID_R7))))));
    q = 1 + s * (MID_S1 + s * (MID_S2 + s * (MID_S3 + s * (MID_S4 + s * (MID_S5 + s * (MID_S6 + s * (MID_S7 + s * MID_S8)))))));
  } else {
    r = TAIL_R0 + s * (TAIL_R1 + s * (TAIL_R2 + s * (TAIL_R3 + s * (TAIL_R4 + s * (TAIL_R5 + s * TAIL_R6)))));
    q = 1 + s * (TAIL_S1 + s * (TAIL_S2 + s * (TAIL_S3 + s * (TAIL_S4 + s * (TAIL_S5 + s * (TAIL_S6 + s * TAIL_S7))))));
  }
  const z = clearLowWord(a);
  const erfc = (Math.exp(-z * z - 0.5625) * Math.exp((z - a) * (z + a) + r / q)) / a;
  return x > 0 ? 1 - erfc : erfc - 1;
}

const words = new DataView(new ArrayBuffer(8));

/** `v` with the low 32 bits of its float64 representation set to zero (21 significant bits remain). */
function clearLowWord(v: number): number {
  words.setFloat64(0, v); // big-endian: bytes 4..7 hold the low word
  words.setUint32(4, 0);
  return words.getFloat64(0);
}

// erf(1) rounded to 24 significant bits, and 2/√π − 1 (and 8 times it).
const ERF_1_SINGLE = 8.45062911510467529297e-1;
const ERF_SMALL_SLOPE = 1.28379167095512586316e-1;
const ERF_SMALL_SLOPE_TIMES_8 = 1.02703333676410069053;

// |x| < 0.84375: erf(x) − x = x·P(x²)/Q(x²).
const SMALL_P0 = 1.28379167095512558561e-1;
const SMALL_P1 = -3.25042107247001499370e-1;
const SMALL_P2 = -2.84817495755985104766e-2;
const SMALL_P3 = -5.77027029648944159157e-3;
const SMALL_P4 = -2.37630166566501626084e-5;
const SMALL_Q1 = 3.97917223959155352819e-1;
const SMALL_Q2 = 6.50222499887672944485e-2;
const SMALL_Q3 = 5.08130628187576562776e-3;
const SMALL_Q4 = 1.32494738004321644526e-4;
const SMALL_Q5 = -3.96022827877536812320e-6;

// 0.84375 ≤ |x| < 1.25: erf(1 + s) − ERF_1_SINGLE = P(s)/Q(s).
const NEAR1_P0 = -2.36211856075265944077e-3;
const NEAR1_P1 = 4.14856118683748331666e-1;
const NEAR1_P2 = -3.72207876035701323847e-1;
const NEAR1_P3 = 3.18346619901161753674e-1;
const NEAR1_P4 = -1.10894694282396677476e-1;
const NEAR1_P5 = 3.54783043256182359371e-2;
const NEAR1_P6 = -2.16637559486879084300e-3;
const NEAR1_Q1 = 1.06420880400844228286e-1;
const NEAR1_Q2 = 5.40397917702171048937e-1;
const NEAR1_Q3 = 7.18286544141962662868e-2;
const NEAR1_Q4 = 1.26171219808761642112e-1;
const NEAR1_Q5 = 1.36370839120290507362e-2;
const NEAR1_Q6 = 1.19844998467991074170e-2;

// 1.25 ≤ |x| < 1/0.35: log(x·erfc(x)) + x² + 0.5625 = R(1/x²)/S(1/x²).
const MID_R0 = -9.86494403484714822705e-3;
const MID_R1 = -6.93858572707181764372e-1;
const MID_R2 = -1.05586262253232909814e1;
const MID_R3 = -6.23753324503260060396e1;
const MID_R4 = -1.62396669462573470355e2;
const MID_R5 = -1.84605092906711035994e2;
const MID_R6 = -8.12874355063065934246e1;
const MID_R7 = -9.81432934416914548592;
const MID_S1 = 1.96512716674392571292e1;
const MID_S2 = 1.37657754143519042600e2;
const MID_S3 = 4.34565877475229228821e2;
const MID_S4 = 6.45387271733267880336e2;
const MID_S5 = 4.29008140027567833386e2;
const MID_S6 = 1.08635005541779435134e2;
const MID_S7 = 6.57024977031928170135;
const MID_S8 = -6.04244152148580987438e-2;

// 1/0.35 ≤ |x| < 6: the same quantity, R(1/x²)/S(1/x²) with other coefficients.
const TAIL_R0 = -9.86494292470009928597e-3;
const TAIL_R1 = -7.99283237680523006574e-1;
const TAIL_R2 = -1.77579549177547519889e1;
const TAIL_R3 = -1.60636384855821916062e2;
const TAIL_R4 = -6.37566443368389627722e2;
const TAIL_R5 = -1.02509513161107724954e3;
const TAIL_R6 = -4.83519191608651397019e2;
const TAIL_S1 = 3.03380607434824582924e1;
const TAIL_S2 = 3.25792512996573918826e2;
const TAIL_S3 = 1.53672958608443695994e3;
const TAIL_S4 = 3.19985821950859553908e3;
const TAIL_S5 = 2.55305040643316442583e3;
const TAIL_S6 = 4.74528541206955367215e2;
const TAIL_S7 = -2.24409524465858183362e1;

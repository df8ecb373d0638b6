/**
 * Helpers for testing code written with tapegrad: gradient checking by finite
 * differences and tensor comparison.
 *
 * @module @tapegrad/core/testing
 */
export { gradcheck, type GradcheckOptions, type GradcheckResult, type InputCheck } from "./gradcheck";
export { allClose, assertAllClose, differenceOf, type Difference, type Tolerance } from "./all-close";

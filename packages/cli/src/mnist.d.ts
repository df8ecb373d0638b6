declare module "mnist" {
  interface Digit {
    /** Every sample of this digit, 784 values in [0, 1] each, one after the other. */
    raw: number[];
    /** How many samples of this digit there are. */
    length: number;
  }
  const digits: Record<0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9, Digit>;
  export default digits;
}

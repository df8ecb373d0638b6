import type { Convention } from "../convention";
import { Dense, type DenseDescription } from "../dense";
import type { Layer, LayerDescription } from "../layer";

/**
 * How each built-in layer kind is rebuilt from its saved description (and the model's
 * convention): one entry per kind, so that a saved sequential model can be loaded from its
 * file alone. Look kinds up with `Object.hasOwn`.
 */
export const LAYER_KINDS: Record<string, (description: LayerDescription, convention: Convention) => Layer<any, any>> = {
  dense: (description, convention) => {
    const { name, inputSize, units, activation } = description as DenseDescription;
    return new Dense({ name, inputSize, units, activation: activation as never, convention });
  },
};

/** The scale latent's parts, as the model wires them: the balance term and the scale-equivariant encoder. */
export { scaleBalanceTerm } from "./scale-balance";
export { mlpOrCentredScale, scaleSearchOf } from "./centred-scale-encoder";

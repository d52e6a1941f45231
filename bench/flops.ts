/** The model variants the bench runs; "rvae-mlp" has the same decoder as "rvae". */
export type BenchVariant = "rvae" | "rvae-mlp" | "skip" | "shift" | "vae";

/**
 * Counted forward FLOPs (2 per multiply-add; tanh and elementwise ops not counted) of one image through
 * ivae's models with the decoder on `m` pixels (pixelSubsample; default all P), the same formula as
 * bench/torch_model.py's `flops_per_image`. The equivariant pose encoder's polar resampling and frame
 * scoring are not counted (its MLP is). A training step costs about 3x the forward pass (forward, then
 * gradients w.r.t. activations and weights).
 */
export function forwardFlopsPerImage(
  variant: BenchVariant,
  P: number,
  enc: number[],
  dec: number[],
  latent: number,
  m = P,
): number {
  const rotation = variant === "rvae" || variant === "rvae-mlp" || variant === "skip";
  const extra = (rotation ? 1 : 0) + (variant !== "vae" ? 2 : 0);
  let f = 0;
  let fan = P;
  for (const w of enc) {
    f += 2 * fan * w;
    fan = w;
  }
  f += 2 * fan * 2 * (latent + extra);
  if (variant !== "vae") {
    const h = dec[0];
    f += 2 * latent * h + m * (2 * 2 * h + 2 * h); // o_b, then layer 0 per pixel (c A + o)
    f += m * 2 * h * h * (dec.length - 1); // hidden layers
    if (variant === "skip") f += 2 * latent * h * (dec.length - 1); // z U_l per image
    f += m * 2 * h; // output
  } else {
    fan = latent;
    for (const w of dec) {
      f += 2 * fan * w;
      fan = w;
    }
    f += 2 * fan * P;
  }
  return f;
}

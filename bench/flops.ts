/**
 * Counted forward FLOPs (2 per multiply-add; tanh and elementwise ops not counted) of one image through
 * ivae's models, the same formula as bench/torch_ref.py's `flops_per_image`. A training step costs about
 * 3x the forward pass (forward, then gradients w.r.t. activations and weights).
 */
export function forwardFlopsPerImage(model: "rvae" | "vae", P: number, enc: number[], dec: number[], latent: number): number {
  const extra = model === "rvae" ? 3 : 0;
  let f = 0;
  let fan = P;
  for (const w of enc) {
    f += 2 * fan * w;
    fan = w;
  }
  f += 2 * fan * 2 * (latent + extra);
  if (model === "rvae") {
    const h = dec[0];
    f += 2 * latent * h + P * (2 * 2 * h + 2 * h);  // o_b, then layer 0 per pixel (c A + o)
    f += P * 2 * h * h * (dec.length - 1);          // hidden layers
    f += P * 2 * h;                                 // output
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

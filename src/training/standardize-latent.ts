import * as tf from "@tensorflow/tfjs";
import type { ImageStack } from "../data/image-stack";
import type { LatentModel } from "../models/model";
import { check } from "../util/errors";

/** What `standardizeLatent` did: z′ = (z − shift) / scale per dimension, and the KL of z before and after. */
export interface LatentStandardization {
  /** per dimension: the aggregated posterior's mean before (subtracted) */
  shift: number[];
  /** per dimension: the aggregated posterior's root mean square about that mean before (divided by) */
  scale: number[];
  /** mean KL(q(z|x) ‖ N(0, I)) over the images, nats per image, before and after */
  klBefore: number;
  klAfter: number;
}

/** Mean KL of diagonal Gaussians against N(0, I), nats per image. */
function meanKl(zMean: Float32Array, zLogVar: Float32Array, n: number): number {
  let s = 0;
  for (let i = 0; i < zMean.length; i++) s += 0.5 * (zMean[i] ** 2 + Math.exp(zLogVar[i]) - 1 - zLogVar[i]);
  return s / n;
}

/** The weights through which z enters the decoder (rows 0…d−1 of `W`) and the bias that takes up a shift of z. */
function zInputs(model: LatentModel): { W: string; b: string }[] {
  const names = new Set(model.params.names);
  const out: { W: string; b: string }[] = [];
  if (names.has("decoder.z.0.W")) {
    // a z network (`latentHidden`): z enters only its first layer (no skip with it)
    out.push({ W: "decoder.z.0.W", b: "decoder.z.0.b" });
  } else if (names.has("decoder.0.Wz")) {
    // coordinate decoder: z enters layer 0 (linear coordinates) or layer 1 (Fourier features; decoder.md)
    const fourier = (model.config as { coordinateFeatures?: string }).coordinateFeatures === "fourier";
    out.push({ W: "decoder.0.Wz", b: fourier ? "decoder.1.b" : "decoder.0.b" });
    for (let l = 1; names.has(`decoder.${l}.b`); l++)
      if (names.has(`decoder.${l}.U`)) out.push({ W: `decoder.${l}.U`, b: `decoder.${l}.b` });
  } else if (names.has("decoder.0.W")) {
    out.push({ W: "decoder.0.W", b: "decoder.0.b" }); // MLP decoder: the code [z, …] is its input
  }
  for (const p of out) check(names.has(p.b), "standardizeLatent", `the decoder has no bias ${p.b} for z`);
  return out;
}

/**
 * Moves a trained model along an exact symmetry of its ELBO so that the aggregated posterior of z over `images`
 * has mean 0 and second moment 1 per dimension, as the prior: z′ = (z − m) / s, with the encoder's z head mapped
 * the same way (means and log-variances) and the decoder's z weights multiplied by s, their bias taking up m.
 * Every image's decoded output and every other latent are unchanged (the decoder sees the same pre-activations
 * for every sample of z), and the KL of z can only fall: per dimension it is ½(E[μ²] + E[σ²] − 1 − E[log σ²]),
 * minimised over m and s at the mean and spread of the aggregated posterior. Why it is needed: Adam moves along
 * these directions only slowly (their gradient is small next to the reconstruction's noise), so a trained rVAE's
 * tight clusters sit off-centre and too far out, and the manifold over the prior's bulk misses some of them
 * (docs/experiments/rvae-decoder.md, session 10). Needs the MLP encoder head `encoder.head` (every built-in model)
 * and a decoder whose z enters through weights and a bias (coordinate or MLP decoder; with `latentHidden`, the z
 * network's first layer).
 */
export function standardizeLatent(
  model: LatentModel,
  images: ImageStack,
  opts: { labels?: ArrayLike<number> } = {},
): LatentStandardization {
  const where = "standardizeLatent";
  const d = model.config.latentDim;
  const names = new Set(model.params.names);
  check(names.has("encoder.head.W") && names.has("encoder.head.b"), where, "expected a model with an encoder head");
  const inputs = zInputs(model);
  check(inputs.length > 0, where, "expected a coordinate or MLP decoder (decoder.0.Wz or decoder.0.W)");
  const zIndex = model.latents.findIndex((l) => l.name === "z");
  check(zIndex >= 0 && model.latents[zIndex].dim === d, where, `expected a continuous latent z of ${d} dimensions`);
  const col = model.latents.slice(0, zIndex).reduce((a, l) => a + l.dim, 0);
  const k = model.latents.reduce((a, l) => a + l.dim, 0);

  const enc = model.encode(images, { labels: opts.labels });
  const n = enc.n;
  check(n >= 2, where, `expected at least 2 images, got ${n}`);
  const shift: number[] = [],
    scale: number[] = [];
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += enc.zMean[i * d + j] / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += ((enc.zMean[i * d + j] - m) ** 2 + Math.exp(enc.zLogVar[i * d + j])) / n;
    check(Number.isFinite(m) && v > 0 && Number.isFinite(v), where, `z_${j + 1} has no finite spread`);
    shift.push(m);
    scale.push(Math.sqrt(v));
  }

  // encoder head [fan, 2k]: mean column col + j → (μ − m)/s; log-variance column k + col + j → log σ² − 2 log s
  const W = model.params.get("encoder.head.W"),
    b = model.params.get("encoder.head.b");
  const [fan, cols] = W.shape;
  check(cols === 2 * k, where, `encoder.head.W has ${cols} columns, expected ${2 * k}`);
  const w = Float32Array.from(W.dataSync()),
    bv = Float32Array.from(b.dataSync());
  for (let j = 0; j < d; j++) {
    const c = col + j;
    for (let r = 0; r < fan; r++) w[r * cols + c] /= scale[j];
    bv[c] = (bv[c] - shift[j]) / scale[j];
    bv[k + c] -= 2 * Math.log(scale[j]);
  }
  // decoder: z·W + b = z′·(s·W) + (b + m·W), for each place z enters
  const updates: [tf.Variable, Float32Array][] = [
    [W, w],
    [b, bv],
  ];
  for (const p of inputs) {
    const Wd = model.params.get(p.W),
      bd = model.params.get(p.b);
    const h = Wd.shape[1]!;
    const wd = Float32Array.from(Wd.dataSync()),
      bb = Float32Array.from(bd.dataSync());
    check(bb.length === h, where, `${p.b} has ${bb.length} values, expected ${h}`);
    for (let j = 0; j < d; j++)
      for (let u = 0; u < h; u++) {
        bb[u] += shift[j] * wd[j * h + u];
        wd[j * h + u] *= scale[j];
      }
    updates.push([Wd, wd], [bd, bb]);
  }
  for (const [v, vals] of updates) {
    const t = tf.tensor(vals, v.shape);
    v.assign(t);
    t.dispose();
  }
  // the KL after follows from the map (no second encoding): μ′ = (μ − m)/s, log σ′² = log σ² − 2 log s
  const mu = enc.zMean.slice(),
    lv = enc.zLogVar.slice();
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      mu[i * d + j] = (mu[i * d + j] - shift[j]) / scale[j];
      lv[i * d + j] -= 2 * Math.log(scale[j]);
    }
  return { shift, scale, klBefore: meanKl(enc.zMean, enc.zLogVar, n), klAfter: meanKl(mu, lv, n) };
}

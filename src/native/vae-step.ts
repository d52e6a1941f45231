import * as tf from "@tensorflow/tfjs";
import type { LossOptions, LossTerms } from "../models/contracts";
import type { ModelConfig } from "../models/config";
import type { LatentSpec } from "../models/parts/latents";
import type { ParamStore } from "../models/params";
import { loadNative, NativeAddon } from "./addon";
import { vaeStepHook } from "./hooks";
import { readViews, withOutputs } from "./wasm-heap";

/** What the fused step reads from a plain VAE (src/models/vae.ts passes itself). */
export interface VaeLike {
  readonly config: ModelConfig;
  readonly params: ParamStore;
  readonly latents: LatentSpec[];
}

/** Work buffers of one fused step: activations and the logit gradient, kept from the forward for the backward. */
interface StepBuffers {
  key: string;
  encH: Float32Array[];
  decH: Float32Array[];
  dl: Float32Array;
  nll: Float64Array;
  kl: Float64Array;
}

// One set of buffers reused from step to step (~3.5 MB at batch 128, 48 px: allocating and collecting them every
// step cost about 3 ms of garbage collection). A step owns them from its forward to its backward; a forward that
// finds them taken (its predecessor's backward has not run) allocates its own, so two live steps never share.
let spare: StepBuffers | null = null;

function takeBuffers(B: number, encDims: Int32Array, decDims: Int32Array, m: number): StepBuffers {
  const key = `${B}|${encDims.join(",")}|${decDims.join(",")}|${m}`;
  if (spare && spare.key === key) {
    const b = spare;
    spare = null;
    return b;
  }
  return {
    key,
    encH: Array.from(encDims.subarray(1), (w) => new Float32Array(B * w)),
    decH: [
      ...Array.from(decDims.subarray(0, decDims.length - 1), (w) => new Float32Array(B * w)),
      new Float32Array(B * m),
    ],
    dl: new Float32Array(B * m),
    nll: new Float64Array(B),
    kl: new Float64Array(B),
  };
}

/** Whether tfjs is recording a gradient tape (then the backward pass will read the step's buffers). */
function tapeOn(): boolean {
  return (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
}

/**
 * The plain VAE's loss terms and their gradients in two native calls instead of ~100 tfjs-wasm ops (issue 15): the
 * MLP encoder, the reparameterisation, the KL of N(0, 1), the MLP decoder (only the `pixelIndices` columns when
 * given) and the Bernoulli or Gaussian pixel loss, forward in one call and backward (into every weight) in
 * another, with the products on the addon's threaded micro-kernel. The same math and noise as
 * `LatentModel.lossTerms` (src/models/model.ts, elbo.ts): test/native/vae-step.test.ts compares values and
 * gradients. Returns null (the tfjs path runs) for what it does not cover: a condition input, other latents.
 */
export function vaeLossNative(model: VaeLike, x: tf.Tensor2D, opts: LossOptions, addon: NativeAddon): LossTerms | null {
  const cfg = model.config;
  const lat = model.latents;
  if (lat.length !== 1 || lat[0].kind !== "continuous" || lat[0].prior.kind !== "normal" || lat[0].prior.std !== 1)
    return null;
  if (cfg.conditionDim > 0 || x.dtype !== "float32") return null;
  const d = lat[0].dim;
  const [B, D] = x.shape;
  const ps = model.params;
  const encN = cfg.encoderHidden.length,
    decN = cfg.decoderHidden.length;
  const encVars: tf.Variable[] = [];
  for (let i = 0; i < encN; i++) encVars.push(ps.get(`encoder.${i}.W`), ps.get(`encoder.${i}.b`));
  encVars.push(ps.get("encoder.head.W"), ps.get("encoder.head.b"));
  const decVars: tf.Variable[] = [];
  for (let i = 0; i < decN; i++) decVars.push(ps.get(`decoder.${i}.W`), ps.get(`decoder.${i}.b`));
  decVars.push(ps.get("decoder.out.W"), ps.get("decoder.out.b"));
  const encDims = Int32Array.from([D, ...cfg.encoderHidden, 2 * d]);
  const decDims = Int32Array.from([d, ...cfg.decoderHidden, decVars[decVars.length - 1].shape[0]]);
  if (decDims[decDims.length - 1] !== D) return null;
  const P = cfg.imageShape[0] * cfg.imageShape[1];
  const C = D / P;
  let cols: Int32Array | null = null;
  let scale = 1;
  if (opts.pixelIndices) {
    const pix = opts.pixelIndices;
    cols = new Int32Array(C * pix.length);
    for (let c = 0; c < C; c++) for (let j = 0; j < pix.length; j++) cols[c * pix.length + j] = c * P + pix[j];
    scale = P / pix.length;
  }
  const m = cols ? cols.length : D;
  const kind = cfg.likelihood === "gaussian" ? 1 : 0;
  const beta = opts.beta ?? 1;
  // the reparameterisation noise of sampleLatents (src/models/parts/latents.ts): one [B, d] draw from the seed
  const epsT = tf.randomNormal([B, d], 0, 1, "float32", opts.seed);
  const eps = epsT.dataSync() as Float32Array;
  epsT.dispose();
  const vars = [...encVars, ...decVars];
  const ne = 2 * encN + 2;
  const recording = tapeOn();
  const even = (a: Float32Array[], odd: number) => a.filter((_, i) => i % 2 === odd);
  // the images and weights as views of the wasm heap (no copies), taken right before each native call
  const split = (v: Float32Array[]) => ({
    xd: v[0],
    eW: even(v.slice(1, 1 + ne), 0),
    eB: even(v.slice(1, 1 + ne), 1),
    dW: even(v.slice(1 + ne), 0),
    dB: even(v.slice(1 + ne), 1),
  });
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const buf = takeBuffers(B, encDims, decDims, m);
    const { encH, decH, dl, nll, kl } = buf;
    const f = split(readViews([x, ...(args.slice(0, vars.length) as tf.Tensor[])]));
    addon.vaeForward(
      B,
      encDims,
      decDims,
      f.xd,
      eps,
      f.eW,
      f.eB,
      f.dW,
      f.dB,
      cols,
      kind,
      cfg.decoderSigma,
      encH,
      decH,
      dl,
      nll,
      kl,
    );
    let sr = 0,
      sk = 0;
    for (let b = 0; b < B; b++) {
      sr += nll[b];
      sk += kl[b];
    }
    const recon = (scale * sr) / B,
      klz = sk / B;
    if (!recording) spare = buf; // no backward will read them
    return {
      value: tf.tensor1d([recon + beta * klz, recon, klz]),
      gradFunc: (dy: tf.Tensor) => {
        const [d0, d1, d2] = dy.dataSync();
        const release = () => void (spare = buf);
        const a = ((d0 + d1) * scale) / B,
          bkl = (beta * d0 + d2) / B;
        // the gradients are written straight into new tensors
        return withOutputs(
          vars.map((v) => v.shape),
          [x, ...vars],
          (g, ins) => {
            const w = split(ins);
            addon.vaeBackward(
              B,
              encDims,
              decDims,
              w.xd,
              eps,
              w.eW,
              w.dW,
              cols,
              encH,
              decH,
              dl,
              a,
              bkl,
              even(g.slice(0, ne), 0),
              even(g.slice(0, ne), 1),
              even(g.slice(ne), 0),
              even(g.slice(ne), 1),
            );
            release();
          },
        );
      },
    };
  });
  return tf.tidy(() => {
    const v = op(...vars);
    const loss = v.slice(0, 1).reshape([]) as tf.Scalar,
      reconstruction = v.slice(1, 1).reshape([]) as tf.Scalar,
      klZ = v.slice(2, 1).reshape([]) as tf.Scalar;
    const zero = tf.scalar(0);
    return { loss, terms: { reconstruction, [lat[0].term]: klZ }, reconstruction, klZ, klAngle: zero, klOffset: zero };
  }) as unknown as LossTerms;
}

/**
 * Routes the plain VAE's loss (`VAE.lossTerms`) through `vaeLossNative` (true) or leaves it in tfjs (false).
 * Returns whether it is routed (false without the addon).
 */
export function useNativeVaeStep(enable = true): boolean {
  const loaded = enable ? loadNative() : null;
  const addon = typeof loaded?.vaeForward === "function" ? loaded : null; // an addon built before it: tfjs
  vaeStepHook.kernel = addon ? (model, x, opts) => vaeLossNative(model as VaeLike, x, opts, addon) : null;
  return vaeStepHook.kernel !== null;
}

import * as tf from "@tensorflow/tfjs";
import { IvaeInputError } from "../util/errors";
import { CoordDecoderInputs, coordDecoderReference, setCoordDecoder } from "../models/coord-decoder";
import { loadNative, NativeAddon } from "./addon";
import { FusedPass, recordFusedPass } from "./fused-loss";
import { pixelTargetHook } from "./hooks";
import { readViews, withOutputs } from "./wasm-heap";

/** The addon's training pass fused with the pixel loss (native/src/addon.cc; absent in addons built before it). */
type FusedAddon = NativeAddon & {
  forwardTrain?(...args: unknown[]): Float32Array;
  backwardFused?(...args: unknown[]): number | Float32Array;
};

/** Time spent in the addon by `coordDecoderNative` since the last reset (for the bench's per-op profile). */
export interface NativeOpStats {
  forwardCalls: number;
  forwardMs: number;
  backwardCalls: number;
  backwardMs: number;
  /** backward passes that used a fused training pass (the others recomputed or read the activation cache) */
  fusedBackwardCalls: number;
}

const stats: NativeOpStats = { forwardCalls: 0, forwardMs: 0, backwardCalls: 0, backwardMs: 0, fusedBackwardCalls: 0 };

/** A copy of the accumulated timings of the native decoder op; `reset` zeroes them afterwards. */
export function nativeOpStats(reset = false): NativeOpStats {
  const copy = { ...stats };
  if (reset)
    Object.assign(stats, { forwardCalls: 0, forwardMs: 0, backwardCalls: 0, backwardMs: 0, fusedBackwardCalls: 0 });
  return copy;
}

let fusedEnabled = process.env.IVAE_NATIVE_FUSED !== "0";

/**
 * Whether a training step's decode fuses the forward, the Bernoulli pixel loss and the backward into one pass of the
 * addon (default; IVAE_NATIVE_FUSED=0 turns it off): the same results up to float rounding, without writing the
 * hidden layer of every pixel to memory. Returns the setting now in force (false when the addon lacks the pass).
 */
export function useFusedTrainingPass(enable = true): boolean {
  const a = loadNative() as FusedAddon | null;
  fusedEnabled = enable && !!a && typeof a.forwardTrain === "function";
  return fusedEnabled;
}

/** True while a gradient tape records (tf.grad, variableGrads, optimizer.minimize). */
function recordingGradients(): boolean {
  // Not public API, but stable across tfjs 1-4. Only decides whether the forward pass keeps its
  // activations for the backward pass; a wrong answer costs time (recompute) or memory, never results.
  const state = (tf.engine() as unknown as { state?: { gradientDepth?: number } }).state;
  return state?.gradientDepth === undefined ? true : state.gradientDepth > 0;
}

function f32(t: tf.Tensor): Float32Array {
  if (t.dtype !== "float32") throw new IvaeInputError(`coordDecoderNative: expected float32 tensors, got ${t.dtype}`);
  return t.dataSync() as Float32Array;
}

function checkShape(name: string, t: tf.Tensor, shape: number[]): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new IvaeInputError(`coordDecoderNative: ${name} has shape [${t.shape}], expected [${shape}]`);
  }
}

/**
 * The coordinate decoder (DEVELOPERS.md, "The coordinate decoder") as one fused native op with its
 * own gradient: `logits[b,p] = h_L wOut + bOut`, `h_l = tanh(h_{l-1} W_l + b_l [+ zOffset_l[b]])`,
 * `h_0 = tanh(coords_p A_b + o_b)` (or sin, `firstActivation`). Forward and backward run in the C++ addon (SIMD, all
 * cores, tiled
 * over pixels so the B x P x h activations are produced and consumed in cache); gradients flow to A,
 * o, every W, b, zOffset, wOut and bOut (coords get zeros: the grid is a constant). Works on any tfjs
 * backend: only the small parameter tensors and the [B,P] logits cross the boundary. Multi-channel models
 * (wOut [h, C], bOut [C]) get logits [B, C·P] (channel planes per image) from the same hidden stack: the
 * kernel's output layer has C rows. Falls back to the tfjs reference when the addon is absent or
 * IVAE_NATIVE=0, and for C > 1 when the loaded addon was built before it took channels
 * (`nativeCoordDecoderHandles` says which path a model takes).
 */
export function coordDecoderNative(inputs: CoordDecoderInputs): tf.Tensor2D {
  const addon = loadNative() as FusedAddon | null;
  if (!addon || !nativeCoordDecoderHandles(inputs.wOut.shape[1])) return coordDecoderReference(inputs);
  const { coords, A, o, layers, wOut, bOut } = inputs;
  if (A.rank !== 3 || A.shape[1] !== 2)
    throw new IvaeInputError(`coordDecoderNative: A must be [B,2,h], got [${A.shape}]`);
  const [B, , h0] = A.shape;
  const P = coords.shape[0];
  checkShape("coords", coords, [P, 2]);
  checkShape("o", o, [B, h0]);
  const dims = [h0];
  layers.forEach((layer, l) => {
    const k = dims[dims.length - 1];
    if (layer.W.rank !== 2 || layer.W.shape[0] !== k)
      throw new IvaeInputError(`coordDecoderNative: layers[${l}].W has shape [${layer.W.shape}], expected [${k}, m]`);
    const m = layer.W.shape[1];
    checkShape(`layers[${l}].b`, layer.b, [m]);
    if (layer.zOffset) checkShape(`layers[${l}].zOffset`, layer.zOffset, [B, m]);
    dims.push(m);
  });
  const hL = dims[dims.length - 1];
  const C = wOut.shape[1];
  checkShape("wOut", wOut, [hL, C]);
  checkShape("bOut", bOut, [C]);
  const dimsArr = Int32Array.from(dims);
  const L = layers.length;
  const zIndex: number[] = []; // position of each layer's zOffset among the op's inputs, -1 if none
  const list: tf.Tensor[] = [coords, A, o];
  for (const layer of layers) list.push(layer.W, layer.b);
  for (const layer of layers) {
    zIndex.push(layer.zOffset ? list.length : -1);
    if (layer.zOffset) list.push(layer.zOffset);
  }
  list.push(wOut, bOut);
  const keep = recordingGradients();
  // a training step scoring these logits with the Bernoulli loss (models/model.ts announces the target): the
  // forward, the loss and the backward in one pass over the pixels (addon.cc forwardTrain); nothing is cached
  const target = pixelTargetHook.target;
  const fused =
    fusedEnabled &&
    keep &&
    target !== null &&
    !target.isDisposed &&
    typeof addon.forwardTrain === "function" &&
    typeof addon.backwardFused === "function" &&
    target.dtype === "float32" &&
    target.shape[0] === B &&
    target.shape[1] === C * P
      ? target
      : null;
  // layer 0's activation travels only when it is not the default tanh, so an addon built before the
  // option existed still serves tanh models
  const actArg: [number] | [] = inputs.firstActivation === "sin" ? [1] : [];

  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const t = args.slice(0, list.length) as tf.Tensor[];
    // Copies of the (small) inputs: the backward pass needs them, and tensors may be disposed by then.
    const coordsD = f32(t[0]),
      AD = f32(t[1]),
      oD = f32(t[2]);
    const Ws: Float32Array[] = [],
      bs: Float32Array[] = [];
    for (let l = 0; l < L; l++) {
      Ws.push(f32(t[3 + 2 * l]));
      bs.push(f32(t[4 + 2 * l]));
    }
    const zs = zIndex.map((i) => (i >= 0 ? f32(t[i]) : null));
    const wOutD = f32(t[list.length - 2]);
    // one channel: bOut travels as a number (the addon's original signature); C channels: as C floats
    const bOutV: number | Float32Array = C === 1 ? f32(t[list.length - 1])[0] : f32(t[list.length - 1]).slice();
    // the logits are written straight into a new tensor (a view of the wasm heap there: no 1.2 MB copy per step)
    let cacheId = 0;
    let pass: FusedPass | null = null;
    let acc: Float32Array | null = null;
    const t0 = performance.now();
    const net = [B, P, dimsArr, coordsD, AD, oD, Ws, bs, zs, wOutD, bOutV] as const;
    const [value] = withOutputs([[B, C * P]], fused ? [fused] : [], ([logits], [xv]) => {
      if (fused) {
        pass = { x: fused, nll: new Float32Array(B), dl: new Float32Array(B * C * P), dnll: null, grad: null };
        acc = addon.forwardTrain!(...net, xv, logits, pass.dl, pass.nll, ...actArg);
      } else cacheId = addon.forward(...net, logits, keep, ...actArg);
    });
    if (pass) recordFusedPass(value, pass);
    stats.forwardMs += performance.now() - t0;
    stats.forwardCalls++;
    const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
      const dA = new Float32Array(AD.length),
        dO = new Float32Array(oD.length);
      const dWs = Ws.map((w) => new Float32Array(w.length)),
        dbs = bs.map((b) => new Float32Array(b.length));
      const dzs = zs.map((z) => (z ? new Float32Array(z.length) : null));
      const dwOut = new Float32Array(wOutD.length);
      if (dy.dtype !== "float32") throw new IvaeInputError(`coordDecoderNative: expected float32 dy, got ${dy.dtype}`);
      const t1 = performance.now();
      const p = pass as FusedPass | null;
      const outs = [dA, dO, dWs, dbs, dzs, dwOut];
      let dbOut: number | Float32Array;
      if (p && acc && p.dnll && p.grad !== null && p.grad.dataId === dy.dataId) {
        // dy is the loss op's dnll·(σ(l) − x): the fused pass holds each image's gradient, added here by dnll
        dbOut = addon.backwardFused!(...net, acc, p.dnll, ...outs, ...actArg);
        stats.fusedBackwardCalls++;
      } else {
        // no fused pass, or another gradient reached the logits too: from dy, with the cache or recomputing tiles
        const [dyD] = readViews([dy]); // no allocation follows before the call, so the heap view stays valid
        dbOut = addon.backward(...net, cacheId, dyD, dA, dO, dWs, dbs, dzs, dwOut, ...actArg);
      }
      acc = null;
      stats.backwardMs += performance.now() - t1;
      stats.backwardCalls++;
      const grads: tf.Tensor[] = [tf.zerosLike(t[0]), tf.tensor3d(dA, [B, 2, h0]), tf.tensor2d(dO, [B, h0])];
      for (let l = 0; l < L; l++) grads.push(tf.tensor2d(dWs[l], [dims[l], dims[l + 1]]), tf.tensor1d(dbs[l]));
      dzs.forEach((dz, l) => {
        if (dz) grads.push(tf.tensor2d(dz, [B, dims[l + 1]]));
      });
      grads.push(tf.tensor2d(dwOut, [hL, C]), tf.tensor1d(typeof dbOut === "number" ? [dbOut] : dbOut));
      return grads;
    };
    return { value, gradFunc };
  });
  return op(...list) as tf.Tensor2D;
}

/**
 * Whether the native fused kernel computes a decoder with `channels` output channels itself: always for 1;
 * for more when the loaded addon reports `outChannels` (built with the C-row output layer, up to 64 channels).
 */
export function nativeCoordDecoderHandles(channels: number): boolean {
  if (channels === 1) return true;
  const addon = loadNative();
  return !!addon && channels <= 64 && addon.info().outChannels === true;
}

/**
 * Routes the models' `coordDecoder` through the native op (true) or back to the tfjs reference
 * (false). Returns whether the native op is now in use: false when the addon is not available.
 */
export function useNativeCoordDecoder(enable = true): boolean {
  if (enable && loadNative()) {
    setCoordDecoder(coordDecoderNative, "native");
    return true;
  }
  setCoordDecoder(null);
  return false;
}

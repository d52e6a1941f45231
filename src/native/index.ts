// Optional native kernels (C++ addon in native/) with tfjs reference fallbacks.
export { coordDecoderNative, useNativeCoordDecoder, nativeOpStats } from "./coord-decoder";
export { denseNative, useNativeDense, DENSE_NATIVE_MIN_MACS } from "./dense";
export { frameScoresNative, useNativeFrameScorer } from "./frame-scorer";
export { vaeLossNative, useNativeVaeStep } from "./vae-step";
export type { NativeOpStats } from "./coord-decoder";
export {
  nativeAvailable,
  nativeInfo,
  nativeUnavailableReason,
  setNativeThreads,
  setNativeIsa,
  releaseNativeMemory,
  nativePeakGflops,
} from "./addon";
export type { NativeInfo } from "./addon";
import { useNativeCoordDecoder } from "./coord-decoder";
import { useNativeFrameScorer } from "./frame-scorer";
import { useNativeDense } from "./dense";
import { useNativeVaeStep } from "./vae-step";

// The default path is the fast one: importing ivae routes the rVAE decoder through the native op when
// the addon is built, unless IVAE_NATIVE=0 (then the tfjs reference stays in place).
useNativeCoordDecoder(process.env.IVAE_NATIVE !== "0");
useNativeFrameScorer(process.env.IVAE_NATIVE !== "0");
// The plain VAE's step fused (forward and backward in two calls); IVAE_NATIVE_VAE=0 keeps it in tfjs.
useNativeVaeStep(process.env.IVAE_NATIVE !== "0" && process.env.IVAE_NATIVE_VAE !== "0");
// The models' dense layers on the native matmul are opt-in (IVAE_NATIVE_DENSE=1 or useNativeDense()): their
// different rounding changes seed-sensitive training outcomes (test/training/cards-rotation.test.ts: one suit of
// cards3 lands in two frames, hearts |ρ| 0.53), which needs looking at before it becomes the default.
useNativeDense(process.env.IVAE_NATIVE !== "0" && process.env.IVAE_NATIVE_DENSE === "1");

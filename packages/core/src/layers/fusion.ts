/**
 * Fused inference: in eval mode a convolution followed by BatchNorm (running statistics) and ReLU runs as
 * ONE fused convolution (tfjs `fused.conv2d` / `fused.depthwiseConv2d`; XNNPACK adds the bias and clamps
 * inside its GEMM on wasm), with the BatchNorm folded into the weights and bias at call time:
 *   W' = W · γ/√(σ²+ε) (per output channel),  b' = (b − μ) · γ/√(σ²+ε) + β.
 * The stored parameters never change (state dicts are unaffected); the fold is recomputed from the live
 * parameters on every call (a few thousand multiplies next to millions for the convolution), so loading
 * weights or training between calls needs no invalidation. Training mode never fuses.
 */
let fusionEnabled = true;

export type FusedActivation = 'linear' | 'relu';

/** Turns fused inference on or off (default on), e.g. to compare against the unfused graph. */
export function setInferenceFusion(enabled: boolean): void {
  fusionEnabled = enabled;
}

/** Whether eval-mode modules fold BatchNorm into convolutions and fuse bias + ReLU. */
export function inferenceFusion(): boolean {
  return fusionEnabled;
}

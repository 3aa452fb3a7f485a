/**
 * The layer indices DINOv2/DINOv3 depth evaluation (and AnyDepth / Depth Anything V2) tap: every quarter of the
 * blocks, except 24-block ViT-L, whose indices are [4, 11, 17, 23] (DINOv3's `FOUR_EVEN_INTERVALS`; Depth
 * Anything V2's `intermediate_layer_idx`). Fewer than 4 blocks: every block.
 */
export function fourEvenIntervals(depth: number): number[] {
  if (depth === 24) return [4, 11, 17, 23];
  if (depth < 4) return Array.from({ length: depth }, (_, i) => i);
  const step = Math.floor(depth / 4);
  return [1, 2, 3, 4].map((i) => i * step - 1);
}

/**
 * SwiGLU hidden width as DINOv2 (`SwiGLUFFNFused`, ratio 4) and DINOv3 (ratio 6) compute it: int(D·ratio·2/3)
 * rounded up to a multiple of `alignTo` (ViT-g/14: 4096; ViT-S+/16: 1536).
 */
export function swigluHiddenDim(embedDim: number, ffnRatio: number, alignTo = 8): number {
  const d = Math.trunc(embedDim * ffnRatio * (2 / 3));
  return d + ((alignTo - (d % alignTo)) % alignTo);
}

/**
 * Upper bounds of a ViT config's size fields, far above every released model (DINOv3 ViT-7B: D 4096, 40 blocks,
 * 32 heads, hidden 8192), so that an untrusted `config.json` or checkpoint header is refused before allocation.
 */
export const VIT_FIELD_LIMITS = {
  patchSize: 256,
  inChannels: 64,
  embedDim: 16_384,
  depth: 512,
  numHeads: 512,
  ffnHiddenDim: 131_072,
  numRegisterTokens: 1024,
} as const;

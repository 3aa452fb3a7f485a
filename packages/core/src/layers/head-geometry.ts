/** Per-head width and the 1/√hd scale of multi-head attention over `dim` channels (shared by every ViT here). */
export function attentionHeads(dim: number, numHeads: number): { headDim: number; scale: number } {
  if (!Number.isInteger(numHeads) || numHeads < 1 || dim % numHeads !== 0) throw new Error(`Attention: dim ${dim} is not divisible by ${numHeads} heads`);
  const headDim = dim / numHeads;
  return { headDim, scale: headDim ** -0.5 };
}

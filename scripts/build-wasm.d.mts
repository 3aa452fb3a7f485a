/** A source line that asks for an FMA variant of the module beside the plain-SIMD one. */
export const FMA_MARKER: string;
/** The source with every SIMD accumulate-multiply fused into `f32x4.relaxed_madd`. */
export function fmaVariant(source: string): string;
/** The binary of a .wat source, or of its FMA variant (no names section: the output depends on the source only). */
export function compileWat(name: string, source: string, options?: { fma?: boolean; unshared?: boolean }): Promise<Uint8Array>;
/** A source line that asks for a variant importing an unshared memory. */
export const UNSHARED_MARKER: string;
/** The source importing a plain (unshared) memory instead of a shared one. */
export function unsharedVariant(source: string): string;
/** A comment line before a function whose calls are inlined at build time. */
export const INLINE_MARKER: string;
/** The source with every call of a marked function inlined. */
export function inlineMarked(source: string): string;
/** The TypeScript module that embeds `bytes` as base64. */
export function moduleSource(watName: string, bytes: Uint8Array): string;

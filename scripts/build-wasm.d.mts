/** The binary of a .wat source (no names section: the output depends on the source only). */
export function compileWat(name: string, source: string): Promise<Uint8Array>;
/** The TypeScript module that embeds `bytes` as base64. */
export function moduleSource(watName: string, bytes: Uint8Array): string;

/** RGB pixels of the sample scene, 8 bits per channel, row-major. */
export function sampleImage(width?: number, height?: number): { data: Uint8Array; width: number; height: number; channels: 3 };

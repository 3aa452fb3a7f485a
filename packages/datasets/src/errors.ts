/** Every decoder failure: names the format and says what is wrong, so scorers can record it and move on. */
export class DecodeError extends Error {
  readonly format: string;
  constructor(format: string, message: string) {
    super(`${format}: ${message}`);
    this.name = 'DecodeError';
    this.format = format;
  }
}

export function checkDims(format: string, width: number, height: number, maxPixels: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new DecodeError(format, `invalid image size ${width}x${height}`);
  }
  if (width * height > maxPixels) {
    throw new DecodeError(format, `image size ${width}x${height} exceeds the limit of ${maxPixels} pixels`);
  }
}

/** Refuses an allocation of `need` bytes beyond `maxBytes`; `what` names the thing (e.g. "3 channels of 67x75"). */
export function checkBytes(format: string, what: string, need: number, maxBytes: number): void {
  if (need > maxBytes) throw new DecodeError(format, `${what} need ${need} bytes, above the ${maxBytes}-byte budget (raise maxBytes)`);
}

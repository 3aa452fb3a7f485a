const PAGE = 65536;

/**
 * A small WebAssembly module embedded as base64 (the PNG unfilter here, the score-codes kernel of
 * @anydepth/data-quality), compiled synchronously on first use — the modules are a few KiB, within every engine's
 * limit for synchronous compilation. One instance is kept between calls; an input that grew its memory beyond
 * `keepBytes` drops it after the call, so a single huge image does not pin that memory.
 */
export class EmbeddedWasm<T extends { memory: WebAssembly.Memory }> {
  private instance: T | null | undefined;

  constructor(
    private readonly base64: string,
    private readonly keepBytes = 64 * 1024 * 1024,
  ) {}

  /** The module's exports, or null where WebAssembly is unavailable or disabled (callers run their JavaScript). */
  exports(): T | null {
    if (this.instance !== undefined) return this.instance;
    try {
      const bytes = Uint8Array.from(atob(this.base64), (ch) => ch.charCodeAt(0));
      this.instance = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as T;
    } catch {
      this.instance = null;
    }
    return this.instance;
  }

  /** Grows the module's memory to at least `bytes`. */
  static reserve(wasm: { memory: WebAssembly.Memory }, bytes: number): void {
    const have = wasm.memory.buffer.byteLength;
    if (bytes > have) wasm.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  /** Drops the instance when a large input grew its memory beyond what is worth keeping. */
  release(wasm: T): void {
    if (wasm.memory.buffer.byteLength > this.keepBytes && this.instance === wasm) this.instance = undefined;
  }
}

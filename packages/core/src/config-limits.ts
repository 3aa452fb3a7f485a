/** Default budget for the float32 parameters of one model: 8 GiB. */
export const DEFAULT_MAX_MODEL_BYTES = 8 * 2 ** 30;

/** The memory budget a config is checked against before any tensor is allocated. */
export interface ConfigLimits {
  /** Most bytes of float32 parameters a config may ask for (default 8 GiB; DINOv3 7B needs ~27 GiB). */
  maxModelBytes?: number;
}

const gib = (bytes: number) => String(Number((bytes / 2 ** 30).toPrecision(2)));

/**
 * Checks the integer size fields of a config against their upper bounds (`limits`), so that an
 * untrusted `config.json` or checkpoint header is refused before allocation: every field a positive
 * integer (those in `mayBeZero` non-negative) no larger than its limit. Messages start with `family`
 * (`'DINOv2 config'`) and name the field. Shared by the ViT families' validators.
 */
export function checkSizeFields(family: string, config: object, limits: Readonly<Record<string, number>>, mayBeZero: readonly string[] = []): void {
  if (!config || typeof config !== 'object') throw new Error(`${family}: expected an object, got ${JSON.stringify(config)}`);
  for (const [k, max] of Object.entries(limits)) {
    const v = (config as Record<string, unknown>)[k] as number;
    const zero = mayBeZero.includes(k);
    if (!Number.isInteger(v) || v < (zero ? 0 : 1)) throw new Error(`${family}: ${k} must be a ${zero ? 'non-negative' : 'positive'} integer, got ${v}`);
    if (v > max) throw new Error(`${family}: ${k} ${v} is over the limit of ${max}`);
  }
}

/** Checks that the `0 ≤ i < depth` block indices of `layers` are a list of at most `depth` entries. */
export function checkBlockIndices(family: string, layers: unknown, depth: number): void {
  if (!Array.isArray(layers) || layers.length > depth) throw new Error(`${family}: intermediateLayers must be a list of at most ${depth} block indices`);
  for (const i of layers) {
    if (!Number.isInteger(i) || i < 0 || i >= depth) throw new Error(`${family}: intermediate layer ${i} is outside 0..${depth - 1}`);
  }
}

/** Refuses a model whose float32 parameters exceed `limits.maxModelBytes` (default 8 GiB). */
export function checkParameterBudget(family: string, parameters: number, limits: ConfigLimits = {}): void {
  const budget = limits.maxModelBytes ?? DEFAULT_MAX_MODEL_BYTES;
  if (parameters * 4 > budget) {
    throw new Error(
      `${family}: the model needs ${((parameters * 4) / 2 ** 30).toFixed(1)} GiB of float32 parameters (${parameters} parameters), ` +
        `over the budget of ${gib(budget)} GiB (raise it with { maxModelBytes })`,
    );
  }
}

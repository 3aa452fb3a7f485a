import * as tf from '@tensorflow/tfjs-core';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay λ: p ← p − lr·λ·p before the Adam step (spec: 1e-2). */
  weightDecay?: number;
}

/** The optimiser state as host arrays: step count and the first/second moments by parameter name. */
export interface AdamWState {
  step: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

/**
 * AdamW (Loshchilov & Hutter) as `torch.optim.AdamW`: decoupled weight decay, bias-corrected moments,
 * ε added outside the square root. tfjs has Adam only, whose L2 term is coupled to the gradient.
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private t = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly params: Array<[string, tf.Variable]>,
    options: AdamWOptions = {},
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 1e-2;
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  get stepCount(): number {
    return this.t;
  }

  /** One update with gradients by parameter name (a missing gradient leaves that parameter alone). */
  step(grads: Record<string, tf.Tensor>, lr: number): void {
    this.t++;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const bc1 = 1 - Math.pow(b1, this.t);
    const bc2 = 1 - Math.pow(b2, this.t);
    const stepSize = lr / bc1;
    const decay = 1 - lr * this.weightDecay;
    for (const [name, p] of this.params) {
      const g = grads[name];
      if (!g) continue;
      tf.tidy(() => {
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        const m1 = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
        const v1 = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
        m.assign(m1);
        v.assign(v1);
        const denom = tf.add(tf.div(tf.sqrt(v1), Math.sqrt(bc2)), this.epsilon);
        p.assign(tf.sub(tf.mul(p, decay), tf.mul(tf.div(m1, denom), stepSize)));
      });
    }
  }

  getState(): AdamWState {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    for (const [name] of this.params) {
      m[name] = this.m.get(name)!.dataSync() as Float32Array;
      v[name] = this.v.get(name)!.dataSync() as Float32Array;
    }
    return { step: this.t, m, v };
  }

  setState(state: AdamWState): void {
    for (const [name, p] of this.params) {
      for (const [which, store] of [
        ['m', state.m],
        ['v', state.v],
      ] as const) {
        const data = store[name];
        if (!data) throw new Error(`AdamW.setState: no '${which}' moment for parameter '${name}'`);
        if (data.length !== p.size) throw new Error(`AdamW.setState: '${which}' moment of '${name}' has ${data.length} values, the parameter ${p.size}`);
        tf.tidy(() => (which === 'm' ? this.m : this.v).get(name)!.assign(tf.tensor(data, p.shape, 'float32')));
      }
    }
    this.t = state.step;
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}

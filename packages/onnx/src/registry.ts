import type { Module } from '@anydepth/core';
import type { EmitContext } from './emit-context.js';
import type { Value } from './graph-builder.js';

/** One encoder layer's output inside the graph: the patch map [B, D, h, w] and, on demand, the class token [B, D]. */
export interface OnnxFeature {
  patches: Value;
  /** The class token; a head that reads it calls this (a head-only graph then declares that input). */
  cls?: () => Value;
}

/** Extra inputs some modules take besides their main tensor. */
export interface EmitArgs {
  /** RoPE tables [N, headDim] (DINOv3 blocks and attention). */
  rope?: { sin: Value; cos: Value };
  /** Second input of a fusion block. */
  skip?: Value;
  /** Output spatial size as a 1-D int64 [2] value (DAv2 fusion blocks). */
  size?: Value;
}

export interface EncoderArgs {
  /** Blocks to tap (0-based, output after the block). */
  layers: number[];
  /** Apply the final norm to each tapped output. */
  norm: boolean;
}

/**
 * How one module class becomes ONNX nodes. A class implements the roles it has: `forward` (one tensor
 * in, one out: layers and whole models), `features` (encoders: NCHW image → tapped layers), `head`
 * (decoders: features → NCHW logits).
 */
export interface ModuleEmitter<M extends Module = Module> {
  forward?(ctx: EmitContext, module: M, x: Value, args?: EmitArgs): Value;
  features?(ctx: EmitContext, module: M, image: Value, args: EncoderArgs): OnnxFeature[];
  head?(ctx: EmitContext, module: M, features: OnnxFeature[]): Value;
}

// biome-ignore lint/suspicious/noExplicitAny: constructors of any signature are keys
type ModuleClass<M extends Module> = abstract new (...args: any[]) => M;

const emitters = new Map<object, ModuleEmitter>();

/**
 * Registers (or replaces) the emitter of a module class. Subclasses without their own emitter use
 * their nearest registered ancestor's. Use it to make a module of your own exportable.
 */
export function registerEmitter<M extends Module>(cls: ModuleClass<M>, emitter: ModuleEmitter<M>): void {
  emitters.set(cls, emitter as ModuleEmitter);
}

/** The emitter for a module instance (exact class first, then its ancestors), or undefined. */
export function emitterFor(module: Module): ModuleEmitter | undefined {
  for (let proto = Object.getPrototypeOf(module); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const e = emitters.get(proto.constructor);
    if (e) return e;
  }
  return undefined;
}

/** Every class with an emitter (for error messages and docs). */
export function registeredClasses(): string[] {
  return [...emitters.keys()].map((c) => (c as { name: string }).name).sort();
}

function describe(ctx: EmitContext, module: Module): string {
  const path = ctx.pathOf(module);
  return `${module.constructor.name}${path ? ` at '${path}'` : ' (the exported model)'}`;
}

function need<K extends keyof ModuleEmitter>(ctx: EmitContext, module: Module, role: K, what: string): NonNullable<ModuleEmitter[K]> {
  const e = emitterFor(module);
  if (!e) {
    throw new Error(
      `ONNX export: no emitter for ${describe(ctx, module)}; register one with registerEmitter(${module.constructor.name}, …) ` +
        `(known: ${registeredClasses().join(', ')})`,
    );
  }
  const fn = e[role];
  if (!fn) throw new Error(`ONNX export: ${describe(ctx, module)} cannot be exported as ${what}`);
  return fn as NonNullable<ModuleEmitter[K]>;
}

/** Emits `module.forward(x)`. */
export function emitForward(ctx: EmitContext, module: Module, x: Value, args?: EmitArgs): Value {
  const fn = need(ctx, module, 'forward', 'a one-input layer');
  return ctx.scoped(module, () => fn(ctx, module, x, args));
}

/** Emits an encoder's tapped layers. */
export function emitFeatures(ctx: EmitContext, module: Module, image: Value, args: EncoderArgs): OnnxFeature[] {
  const fn = need(ctx, module, 'features', 'an encoder (getIntermediateLayers)');
  return ctx.scoped(module, () => fn(ctx, module, image, args));
}

/** Emits a head on features. */
export function emitHead(ctx: EmitContext, module: Module, features: OnnxFeature[]): Value {
  const fn = need(ctx, module, 'head', 'a depth head (features → logits)');
  return ctx.scoped(module, () => fn(ctx, module, features));
}

/** Whether a module can be exported in a role. */
export function canEmit(module: Module, role: keyof ModuleEmitter): boolean {
  return Boolean(emitterFor(module)?.[role]);
}

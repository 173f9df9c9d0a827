import * as tf from '@tensorflow/tfjs';

/**
 * The LSTM cell as one tfjs kernel with its own gradient kernel, on WebGPU (issue "Training speed on
 * WebGPU": fused gate arithmetic). Composed of tfjs ops, one cell is a split, three sigmoids, two tanh,
 * three products and a sum: 11 kernels forward and about twice that backward, per row (Row LSTM) or per
 * column of the skewed map (Diagonal BiLSTM), per layer and direction — thousands of small dispatches per
 * training step. Fused it is two dispatches forward (c, then h) and two backward (the gate gradients, then
 * dc_{i−1}). On WebGPU one training step of the small Emoji Row LSTM runs 4,863 kernels instead of 9,564,
 * the Diagonal BiLSTM (two separate scans) 10,730 instead of 23,074; on SwiftShader, in one unpaired run
 * with training alongside, the Row LSTM step took 18.8 s instead of 31.5 s (npm run bench:train --
 * --backend webgpu --archs rowlstm,diagonal --paths unfused,project --batch 1 --steps 1 --profile).
 *
 *   gates [..., 4h] in the order o, f, i, g; cPrev [..., h]  →  h, c [..., h]
 *   c = σ(f) ⊙ cPrev + σ(i) ⊙ tanh(g),   h = σ(o) ⊙ tanh(c)
 *
 * Other backends use the composite of tfjs ops in lstm.ts. A fused JavaScript kernel was tried on cpu and
 * wasm and dropped: there the cell is bound by arithmetic, not by dispatches, and scalar JavaScript did not
 * beat the composite (on wasm, XNNPACK's vectorised sigmoid and tanh): a Diagonal BiLSTM step took 2.53 s
 * against 1.90 s on wasm, a Row LSTM step 10.1 s against 9.2 s on cpu (bench:train, idle machine).
 */
export const LSTM_CELL = 'PixelRnnLstmCell';
export const LSTM_CELL_GRAD = 'PixelRnnLstmCellGrad';

/** Whether the current backend runs the fused cell (`enabled`: a model's ComputePath.fusedLstm). */
export function hasFusedLstm(enabled = true): boolean {
  return enabled && tf.getKernel(LSTM_CELL, tf.getBackend()) !== undefined;
}

/** Runs the fused cell: gates [..., 4h], cPrev [..., h] → [h, c]. */
export function fusedLstmCell(gates: tf.Tensor, cPrev: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const hidden = cPrev.shape[cPrev.shape.length - 1]!;
  if (gates.shape[gates.shape.length - 1] !== 4 * hidden || gates.size !== 4 * cPrev.size)
    throw new Error(`LSTM cell: gates ${JSON.stringify(gates.shape)} do not match a state of ${JSON.stringify(cPrev.shape)}`);
  return tf.engine().runKernel(LSTM_CELL, { gates, cPrev }, {}) as unknown as [tf.Tensor, tf.Tensor];
}

// ---------------------------------------------------------------------------------------------------
// WebGPU: WGSL programs run through tfjs-backend-webgpu's program runner (no import of the backend here,
// so this module stays usable where it is not installed). Every buffer tfjs-webgpu hands a program is
// dense and row-major, so flat indexing is exact.

/** The subset of tfjs-backend-webgpu's WebGPUProgram these programs fill in. */
interface ElementwiseProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  size: true;
  uniforms: string;
  getUserCode: () => string;
}
interface WebGPUBackendLike {
  runWebGPUProgram(
    program: ElementwiseProgram,
    inputs: tf.TensorInfo[],
    dtype: tf.DataType,
    uniforms?: { type: string; data: number[] }[],
  ): tf.TensorInfo;
}

// Numerically stable forms (the same as tfjs-webgpu's own SIGMOID and TANH).
const WGSL_HELPERS = `
  fn sigm(x : f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
  fn tanhs(x : f32) -> f32 { let e = exp(-2.0 * abs(x)); return sign(x) * (1.0 - e) / (1.0 + e); }
`;

/** One thread per element of outputShape; `body` sees `index`, `H` (hidden) and the named inputs. */
function program(key: string, outputShape: number[], variableNames: string[], body: string): ElementwiseProgram {
  const size = outputShape.reduce((a, b) => a * b, 1);
  const workgroupSize: [number, number, number] = [64, 1, 1];
  return {
    outputShape,
    shaderKey: `pixelrnn_lstm_${key}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(size / workgroupSize[0]), 1, 1], // tfjs-webgpu folds this into 2-D when too large
    variableNames,
    workgroupSize,
    size: true,
    uniforms: 'hidden : i32,',
    getUserCode: () => `${WGSL_HELPERS}
      fn main(index : i32) {
        if (index < uniforms.size) {
          let H = uniforms.hidden;
          ${body}
        }
      }`,
  };
}

// Cell index m = n·H + j ↔ gate o of that cell at n·4H + j, f at +H, i at +2H, g at +3H.
const CELL_BASE = `let n = index / H; let base = n * 4 * H + (index - n * H);`;

function registerWebGPUKernels(): void {
  tf.registerKernel({
    kernelName: LSTM_CELL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const b = backend as unknown as WebGPUBackendLike;
      const { gates, cPrev } = inputs as { gates: tf.TensorInfo; cPrev: tf.TensorInfo };
      const hidden = [{ type: 'int32', data: [cPrev.shape[cPrev.shape.length - 1]!] }];
      const c = b.runWebGPUProgram(
        program('c', cPrev.shape, ['gates', 'cPrev'], `${CELL_BASE}
          setOutputAtIndex(index, sigm(gates[base + H]) * cPrev[index] + sigm(gates[base + 2 * H]) * tanhs(gates[base + 3 * H]));`),
        [gates, cPrev], 'float32', hidden);
      const h = b.runWebGPUProgram(
        program('h', cPrev.shape, ['gates', 'c'], `${CELL_BASE}
          setOutputAtIndex(index, sigm(gates[base]) * tanhs(c[index]));`),
        [gates, c], 'float32', hidden);
      return [h, c];
    },
  });
  tf.registerKernel({
    kernelName: LSTM_CELL_GRAD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const b = backend as unknown as WebGPUBackendLike;
      const { gates, cPrev, c, dh, dc } = inputs as Record<'gates' | 'cPrev' | 'c' | 'dh' | 'dc', tf.TensorInfo>;
      const hidden = [{ type: 'int32', data: [cPrev.shape[cPrev.shape.length - 1]!] }];
      // A program binds exactly the inputs its shader reads: WebGPU's automatic layout drops unused bindings.
      const names = ['gates', 'cPrev', 'c', 'dh', 'dc'];
      // dc_total = dc + dh ⊙ σ(o) ⊙ (1 − tanh²c), the gradient reaching c from both of its uses.
      const dcTotal = `let so = sigm(gates[base]); let tc = tanhs(c[m]); let dct = dc[m] + dh[m] * so * (1.0 - tc * tc);`;
      const dGates = b.runWebGPUProgram(
        program('dgates', gates.shape, names, `
          let n = index / (4 * H); let r = index - n * 4 * H; let k = r / H; let j = r - k * H;
          let m = n * H + j; let base = n * 4 * H + j;
          ${dcTotal}
          var d = 0.0;
          if (k == 0) {
            d = dh[m] * tc * so * (1.0 - so);
          } else if (k == 1) {
            let sf = sigm(gates[base + H]); d = dct * cPrev[m] * sf * (1.0 - sf);
          } else if (k == 2) {
            let si = sigm(gates[base + 2 * H]); d = dct * tanhs(gates[base + 3 * H]) * si * (1.0 - si);
          } else {
            let g = tanhs(gates[base + 3 * H]); d = dct * sigm(gates[base + 2 * H]) * (1.0 - g * g);
          }
          setOutputAtIndex(index, d);`),
        [gates, cPrev, c, dh, dc], 'float32', hidden);
      const dcPrev = b.runWebGPUProgram(
        program('dcprev', cPrev.shape, ['gates', 'c', 'dh', 'dc'], `${CELL_BASE} let m = index;
          ${dcTotal}
          setOutputAtIndex(index, dct * sigm(gates[base + H]));`),
        [gates, c, dh, dc], 'float32', hidden);
      return [dGates, dcPrev];
    },
  });
}

// ---------------------------------------------------------------------------------------------------

function registerGradient(): void {
  tf.registerGradient({
    kernelName: LSTM_CELL,
    inputsToSave: ['gates', 'cPrev'],
    outputsToSave: [false, true],
    gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [gates, cPrev, c] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const [dh, dc] = dys as [tf.Tensor, tf.Tensor]; // the engine passes zeros for an unused output
      // Both gradients come from one kernel call, made here rather than in the per-input thunks: the engine
      // runs each thunk in its own tidy, which would dispose the gradient the other thunk returns.
      const [dGates, dcPrev] = tf.engine().runKernel(LSTM_CELL_GRAD, { gates, cPrev, c, dh, dc }, {}) as unknown as [tf.Tensor, tf.Tensor];
      return { gates: () => dGates, cPrev: () => dcPrev };
    },
  });
}

let registered = false;
/** Registers the kernels and the gradient once (importing lstm.ts does this). */
export function registerLstmKernels(): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel(LSTM_CELL, 'webgpu')) registerWebGPUKernels();
  registerGradient();
}

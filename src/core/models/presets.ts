import type { ModelConfig } from './config';

/**
 * Named model configurations. The paper's (SPEC.md §4) are full size; the "small" ones are sized to train
 * and sample in a browser tab in reasonable time.
 */
const base = { firstKernel: 7, residual: true, skip: true, seed: 1 } as const;

export const presets = {
  // The paper's binarised-MNIST model: Diagonal BiLSTM, 7 layers, h = 16, head 32.
  'paper-mnist-diagonal': { ...base, arch: 'diagonal', height: 28, width: 28, channels: 1, output: 'binary', layers: 7, hidden: 16, headWidth: 32 },
  // The paper's CIFAR-10 models (32×32 RGB): 12-layer Row / Diagonal LSTM, 15-layer PixelCNN, h = 128, head 1024.
  'paper-cifar-rowlstm': { ...base, arch: 'rowlstm', height: 32, width: 32, channels: 3, output: 'softmax256', layers: 12, hidden: 128, headWidth: 1024 },
  'paper-cifar-diagonal': { ...base, arch: 'diagonal', height: 32, width: 32, channels: 3, output: 'softmax256', layers: 12, hidden: 128, headWidth: 1024 },
  'paper-cifar-pixelcnn': { ...base, arch: 'pixelcnn', height: 32, width: 32, channels: 3, output: 'softmax256', layers: 15, hidden: 128, headWidth: 1024 },
  // Browser-sized models.
  'small-mnist-pixelcnn': { ...base, arch: 'pixelcnn', height: 28, width: 28, channels: 1, output: 'binary', layers: 5, hidden: 16, headWidth: 32 },
  'small-mnist-rowlstm': { ...base, arch: 'rowlstm', height: 28, width: 28, channels: 1, output: 'binary', layers: 3, hidden: 16, headWidth: 32 },
  'small-mnist-diagonal': { ...base, arch: 'diagonal', height: 28, width: 28, channels: 1, output: 'binary', layers: 3, hidden: 16, headWidth: 32 },
  'small-emoji-pixelcnn': { ...base, arch: 'pixelcnn', height: 32, width: 32, channels: 3, output: 'softmax256', layers: 6, hidden: 24, headWidth: 96 },
  'small-emoji-rowlstm': { ...base, arch: 'rowlstm', height: 32, width: 32, channels: 3, output: 'softmax256', layers: 3, hidden: 24, headWidth: 96 },
  'small-emoji-diagonal': { ...base, arch: 'diagonal', height: 32, width: 32, channels: 3, output: 'softmax256', layers: 2, hidden: 24, headWidth: 96 },
} satisfies Record<string, ModelConfig>;

export type PresetName = keyof typeof presets;

export function preset(name: PresetName, overrides: Partial<ModelConfig> = {}): ModelConfig {
  const p = presets[name];
  if (!p) throw new Error(`Unknown preset "${name}"`);
  return { ...p, ...overrides } as ModelConfig;
}

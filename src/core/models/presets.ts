import { validateConfig, type ModelConfig } from './config';
import presetFile from './presets.json';

/**
 * Named model configurations. They live in presets.json, the one definition shared with the PyTorch trainer
 * (train/pixelrnn/config.py), so the two sides cannot drift apart: the paper's models (SPEC.md §4) at full
 * size, "small" ones sized to train and sample in a browser tab, "medium" ones trained natively for shipping.
 */
export const presets = presetFile.presets as unknown as Record<keyof typeof presetFile.presets, ModelConfig>;

export type PresetName = keyof typeof presetFile.presets;

// Every preset is a valid config (checked once, at import).
for (const config of Object.values(presets)) validateConfig(config);

export function preset(name: PresetName, overrides: Partial<ModelConfig> = {}): ModelConfig {
  const p = presets[name];
  if (!p) throw new Error(`Unknown preset "${name}"`);
  return { ...p, ...overrides } as ModelConfig;
}

/**
 * Names of fine-tuned models: unique per dataset and architecture (one IndexedDB key each). A free name is
 * suggested (`my-pixelcnn`, `my-pixelcnn-2` …) until the person types their own; a name that is taken
 * replaces the saved model only if the person says so.
 */
import { DATASETS, localNames, suggestedName, uniqueName } from '../registry';
import { getState, patch } from '../store';
import { ask } from './confirm';

/** Offers a free name for the selected model's next fine-tune, unless the person has typed one. */
export function suggestFinetuneName(): void {
  const { registry, modelId, finetune } = getState();
  const entry = registry.models.find((m) => m.id === modelId);
  if (!entry || finetune.nameEdited || finetune.status === 'running' || finetune.status === 'paused' || finetune.status === 'stopping') return;
  const name = suggestedName(registry.models, entry);
  if (name !== finetune.name) patch('finetune', { name });
}

/**
 * Before a fine-tune starts: true to go on under state.finetune.name (free, or "replace" confirmed, or the free
 * name chosen instead, written to the state), false when the person cancels.
 */
export async function confirmSaveName(): Promise<boolean> {
  const { registry, modelId, finetune } = getState();
  const entry = registry.models.find((m) => m.id === modelId);
  if (!entry) return true; // startTraining reports what is missing
  const taken = localNames(registry.models, entry.dataset, entry.arch);
  const name = finetune.name;
  if (!taken.has(name)) return true;
  const free = uniqueName(name, taken);
  const dataset = DATASETS.find((d) => d.id === entry.dataset)?.title ?? entry.dataset;
  const choice = await ask(`A ${dataset} model named "${name}" is already saved in this browser. Fine-tuning under that name replaces it when the first checkpoint is saved.`, [
    { id: 'replace', label: `Replace "${name}"` },
    { id: 'rename', label: `Save as "${free}" instead` },
    { id: 'cancel', label: 'Cancel' },
  ]);
  if (choice === 'cancel') {
    patch('finetune', { message: `Not started: "${name}" is unchanged. Choose another name, or confirm to replace it.` });
    return false;
  }
  if (choice === 'rename') patch('finetune', { name: free });
  return true;
}

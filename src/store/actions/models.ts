/**
 * Models as files: export the selected model (model.json + weights, a card that names its dataset) and import
 * such files into this browser. An import is placed by what the file says (its config and card), never by a
 * guess, and never replaces a saved model without the person's say.
 */
import { downloadBlob } from '../../canvas/export';
import { ARCHS, DATASETS, importTarget, localKey, localNames, uniqueName } from '../registry';
import { getState, setState } from '../store';
import { samplerClient } from '../workers';
import { loadRegistry, selectModel } from './app';
import { ask } from './confirm';
import { stopSampling } from './sample';

/** A file name → a model name: letters, digits, "-", "_", "." (up to 40), as the fine-tune form allows. */
export function modelName(fileName: string): string {
  return (
    fileName
      .replace(/\.json$/i, '')
      .replace(/[^\w.-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'imported'
  );
}

/** Downloads the selected model as model.json + weights, the files "Import" reads back. */
export async function exportSelected(): Promise<void> {
  const { registry, modelId } = getState();
  const entry = registry.models.find((m) => m.id === modelId);
  if (!entry) return;
  const name = modelName(entry.title);
  const out = await samplerClient().call('exportModel', { source: entry.source, name });
  downloadBlob(new Blob([withDataset(out.json, entry.dataset)], { type: 'application/json' }), `${name}.json`);
  downloadBlob(new Blob([out.weights], { type: 'application/octet-stream' }), `${name}.weights.bin`);
  setState({ notice: `Exported ${name}.json and ${name}.weights.bin.` });
}

/** The exported model.json with its card naming the dataset (a file imported elsewhere is placed by it). */
function withDataset(jsonText: string, dataset: string): string {
  const json = JSON.parse(jsonText) as { userDefinedMetadata?: { card?: { dataset?: unknown } } };
  const card = json.userDefinedMetadata?.card ?? {};
  if (card.dataset === undefined) json.userDefinedMetadata = { ...json.userDefinedMetadata, card: { ...card, dataset: { name: dataset } } };
  return JSON.stringify(json);
}

/**
 * Imports model.json + its .bin (picked together) into this browser's models and opens it. 1) Read where it
 * belongs from the file (dataset, architecture); 2) a saved model of the same name is replaced only if the
 * person says so (or both are kept under a free name); 3) the worker checks the weights and stores them;
 * 4) the page says what was imported, and opens it.
 */
export async function importFiles(files: File[]): Promise<void> {
  const json = files.find((f) => f.name.toLowerCase().endsWith('.json'));
  const bin = files.find((f) => f.name.toLowerCase().endsWith('.bin'));
  if (!json || !bin) {
    setState({ notice: 'Pick both files of an exported model: the .json and the .weights.bin.' });
    return;
  }
  try {
    // 1) Where it belongs.
    const text = await json.text();
    const { config, dataset } = importTarget(text);
    const datasetTitle = DATASETS.find((d) => d.id === dataset)!.title;
    const archTitle = ARCHS.find((a) => a.id === config.arch)?.title ?? config.arch;
    // 2) Its name, and what it would replace.
    let name = modelName(json.name);
    const taken = localNames(getState().registry.models, dataset, config.arch);
    let replacing = false;
    if (taken.has(name)) {
      const free = uniqueName(name, taken);
      const choice = await ask(`A ${datasetTitle} ${archTitle} model named "${name}" is already saved in this browser. Replace it with the one in ${json.name}?`, [
        { id: 'replace', label: `Replace "${name}"` },
        { id: 'keep', label: `Keep both: import as "${free}"` },
        { id: 'cancel', label: 'Cancel' },
      ]);
      if (choice === 'cancel') {
        setState({ notice: `Nothing was imported: "${name}" is unchanged.` });
        return;
      }
      if (choice === 'keep') name = free;
      else replacing = true;
    }
    // 3) Checked and stored by the worker (nothing samples from the model while it is replaced).
    const key = localKey(dataset, config.arch, name);
    stopSampling();
    const info = await samplerClient().call('importModel', { json: text, weights: await bin.arrayBuffer(), key });
    await loadRegistry();
    // 4) Said, then opened.
    const what = `"${name}" (${datasetTitle}, ${archTitle}, ${(info.params / 1000).toFixed(1)}k parameters)${replacing ? ', replacing the one saved before' : ''}`;
    setState({ notice: `Imported ${what} into this browser. Opening it…` });
    await selectModel(`local:${key}`);
    const { model } = getState();
    setState({
      notice:
        model.status === 'ready' && model.id === `local:${key}`
          ? `Imported ${what} into this browser; it is the selected model now.`
          : `Imported ${what} into this browser, but it could not be opened: ${model.error ?? 'another model was chosen meanwhile'}.`,
    });
  } catch (e) {
    setState({ notice: `${json.name} was not imported: ${(e as Error).message}` });
  }
}

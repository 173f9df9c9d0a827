import { classNamesOf } from '../store/actions/sample';
import { useApp } from '../store/store';

/**
 * "Draw: any | <class>" for a class-conditional model (MNIST's digits, Emoji-32's categories): a labelled
 * native select, so it works from the keyboard (Tab to it, arrow keys to choose). "any" draws given none,
 * the model's learned null class. Nothing is shown for a model without classes.
 */
export function ClassPicker({ value, onChange, disabled, testId }: { value: number | null; onChange: (v: number | null) => void; disabled?: boolean; testId: string }) {
  const model = useApp((s) => s.model);
  const names = classNamesOf(model);
  if (!names) return null;
  const current = value !== null && value < names.length ? value : null;
  return (
    <label className="field">
      <span className="label" title="This model was trained with the class of each image: pick one to draw it, or any.">
        Draw
      </span>
      <select aria-label="Draw" value={current === null ? 'any' : String(current)} disabled={disabled} data-testid={testId} onChange={(e) => onChange(e.target.value === 'any' ? null : Number(e.target.value))}>
        <option value="any">any</option>
        {names.map((name, k) => (
          <option key={k} value={String(k)}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

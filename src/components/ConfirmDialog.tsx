import { useEffect, useRef } from 'react';
import { answer } from '../store/actions/confirm';
import { useApp } from '../store/store';

/** The open question of actions/confirm.ts as a modal dialog: keyboard-focused, Escape picks the safe answer. */
export function ConfirmDialog() {
  const confirm = useApp((s) => s.confirm);
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), [confirm]);
  if (!confirm) return null;
  const safe = confirm.choices.at(-1)!.id;
  return (
    <div className="modal-backdrop">
      <div
        className="modal panel"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-message"
        data-testid="confirm"
        onKeyDown={(e) => {
          if (e.key === 'Escape') answer(safe);
        }}
      >
        <p id="confirm-message">{confirm.message}</p>
        <div className="buttons">
          {confirm.choices.map((c, i) => (
            <button key={c.id} ref={i === 0 ? first : undefined} className={i === 0 ? 'primary' : ''} onClick={() => answer(c.id)} data-testid={`confirm-${c.id}`}>
              {c.label}
            </button>
          ))}
        </div>
      </div>
    </div>
  );
}

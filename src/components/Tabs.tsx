import { useRef } from 'react';
import { setTab } from '../store/actions/app';
import type { Tab } from '../store/url';

/** The panel of tab `id` (TabPanel's element id), for `aria-controls`. */
export const panelId = (id: Tab) => `panel-${id}`;
const tabId = (id: Tab) => `tab-${id}`;

/**
 * WAI-ARIA tabs: one tab stop (the selected tab), ←/→ move between tabs and select them (Home/End to the
 * ends), each tab names the panel it controls.
 */
export function Tabs({ tabs, current }: { tabs: ReadonlyArray<{ id: Tab; title: string; blurb: string }>; current: Tab }) {
  const refs = useRef(new Map<Tab, HTMLButtonElement>());
  const onKey = (e: React.KeyboardEvent, i: number) => {
    const n = tabs.length;
    const to = e.key === 'ArrowRight' ? (i + 1) % n : e.key === 'ArrowLeft' ? (i - 1 + n) % n : e.key === 'Home' ? 0 : e.key === 'End' ? n - 1 : null;
    if (to === null) return;
    e.preventDefault();
    const next = tabs[to]!.id;
    setTab(next);
    refs.current.get(next)?.focus();
  };
  return (
    <nav className="tabs" role="tablist" aria-label="What to do">
      {tabs.map((t, i) => (
        <button
          key={t.id}
          ref={(el) => {
            if (el) refs.current.set(t.id, el);
            else refs.current.delete(t.id);
          }}
          role="tab"
          id={tabId(t.id)}
          aria-selected={current === t.id}
          aria-controls={panelId(t.id)}
          tabIndex={current === t.id ? 0 : -1}
          className={current === t.id ? 'on' : ''}
          onClick={() => setTab(t.id)}
          onKeyDown={(e) => onKey(e, i)}
          data-testid={`tab-${t.id}`}
        >
          {t.title}
          <small>{t.blurb}</small>
        </button>
      ))}
    </nav>
  );
}

/**
 * The selected tab's panel, labelled by its tab; the other tabs' panels are present but hidden and empty (so
 * every `aria-controls` names an element), their content mounted only when selected.
 */
export function TabPanels({ tabs, current, children }: { tabs: ReadonlyArray<{ id: Tab }>; current: Tab; children: React.ReactNode }) {
  return (
    <main>
      {tabs.map((t) =>
        t.id === current ? (
          <div key={t.id} role="tabpanel" id={panelId(t.id)} aria-labelledby={tabId(t.id)} data-testid="tabpanel">
            {children}
          </div>
        ) : (
          <div key={t.id} role="tabpanel" id={panelId(t.id)} aria-labelledby={tabId(t.id)} hidden />
        ),
      )}
    </main>
  );
}

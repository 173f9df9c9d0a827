import { setTab } from '../store/actions/app';
import { useApp } from '../store/store';
import type { Tab } from '../store/url';
import { BackendBadge } from './BackendBadge';
import { CompressTab } from './CompressTab';
import { Faults } from './Faults';
import { FineTuneTab } from './FineTuneTab';
import { InpaintTab } from './InpaintTab';
import { ModelPicker } from './ModelPicker';
import { SampleTab } from './SampleTab';

const TABS: Array<{ id: Tab; title: string; blurb: string }> = [
  { id: 'sample', title: 'Sample', blurb: 'new images, pixel by pixel' },
  { id: 'inpaint', title: 'Inpaint', blurb: 'fill in a hidden part of a picture' },
  { id: 'finetune', title: 'Fine-tune', blurb: 'teach the model your own images' },
  { id: 'compress', title: 'Compress', blurb: 'store a picture in its likelihood, losslessly' },
];

export function App() {
  const tab = useApp((s) => s.tab);
  return (
    <div className="app">
      <header className="top">
        <div className="title">
          <h1>PixelRNN Lab</h1>
          <p>
            Models from <em>Pixel Recurrent Neural Networks</em> (van den Oord, Kalchbrenner, Kavukcuoglu, 2016), running in your browser. Nothing you upload leaves
            this page.
          </p>
        </div>
        <BackendBadge />
      </header>
      <Faults />
      <ModelPicker />
      <nav className="tabs" role="tablist">
        {TABS.map((t) => (
          <button key={t.id} role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'on' : ''} onClick={() => setTab(t.id)} data-testid={`tab-${t.id}`}>
            {t.title}
            <small>{t.blurb}</small>
          </button>
        ))}
      </nav>
      <main>
        {tab === 'sample' && <SampleTab />}
        {tab === 'inpaint' && <InpaintTab />}
        {tab === 'finetune' && <FineTuneTab />}
        {tab === 'compress' && <CompressTab />}
      </main>
    </div>
  );
}

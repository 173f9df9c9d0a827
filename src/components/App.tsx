import { useApp } from '../store/store';
import type { Tab } from '../store/url';
import { BackendBadge } from './BackendBadge';
import { ConfirmDialog } from './ConfirmDialog';
import { CompressTab } from './CompressTab';
import { Faults } from './Faults';
import { FineTuneTab } from './FineTuneTab';
import { InpaintTab } from './InpaintTab';
import { ReceptiveFieldTab } from './ReceptiveFieldTab';
import { ModelPicker } from './ModelPicker';
import { SampleTab } from './SampleTab';
import { TabPanels, Tabs } from './Tabs';

const TABS: Array<{ id: Tab; title: string; blurb: string }> = [
  { id: 'sample', title: 'Sample', blurb: 'new images, pixel by pixel' },
  { id: 'inpaint', title: 'Inpaint', blurb: 'fill in a hidden part of a picture' },
  { id: 'finetune', title: 'Fine-tune', blurb: 'teach the model your own images' },
  { id: 'compress', title: 'Compress', blurb: 'store a picture in its likelihood, losslessly' },
  { id: 'rfield', title: 'Receptive field', blurb: 'which earlier pixels a pixel depends on' },
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
      <Tabs tabs={TABS} current={tab} />
      <TabPanels tabs={TABS} current={tab}>
        {tab === 'sample' && <SampleTab />}
        {tab === 'inpaint' && <InpaintTab />}
        {tab === 'finetune' && <FineTuneTab />}
        {tab === 'compress' && <CompressTab />}
        {tab === 'rfield' && <ReceptiveFieldTab />}
      </TabPanels>
      <ConfirmDialog />
    </div>
  );
}

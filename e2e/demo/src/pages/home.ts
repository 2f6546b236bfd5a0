import { CAPTIONS } from '../lib/captions.ts';
import { escapeHtml } from '../lib/format.ts';
import { startPage } from './start-page.ts';

// Captions under the photos come from the data module.
document.querySelectorAll<HTMLElement>('figure[data-photo]').forEach((figure) => {
  const caption = CAPTIONS.find((entry) => entry.file === figure.dataset.photo);
  const label = figure.querySelector('figcaption');
  if (caption && label) label.innerHTML = escapeHtml(caption.title);
});

startPage('home');

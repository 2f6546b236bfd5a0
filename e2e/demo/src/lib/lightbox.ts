import { CAPTIONS } from './captions.ts';
import { escapeHtml, moduleTrail } from './format.ts';

moduleTrail.push('lightbox');

/** Open a photo full-size in a <dialog> when its thumbnail is clicked. */
export function installLightbox(root: ParentNode): void {
  const dialog = document.createElement('dialog');
  dialog.className = 'lightbox';
  document.body.append(dialog);
  dialog.addEventListener('click', () => dialog.close());
  root.querySelectorAll<HTMLImageElement>('img[data-photo]').forEach((image) => {
    image.addEventListener('click', () => {
      const caption = CAPTIONS.find((entry) => entry.file === image.dataset.photo);
      dialog.innerHTML = `<img src="${image.src}" alt=""><p><strong>${escapeHtml(caption?.title ?? '')}</strong> ${escapeHtml(
        caption?.notes.slice(0, 280) ?? '',
      )}…</p>`;
      dialog.showModal();
    });
  });
}

import { version } from '../util.js';
const pattern = /import ".\/not-a-module.js"/g;
export function mount(element) {
  element.dataset.version = version;
  return pattern.test(element.textContent ?? '') ? 1 : 2 / 1;
}

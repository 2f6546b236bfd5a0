/* app.js: the entry module.
   import "./commented.js" is in a comment. */
import { mount } from './lib/dom.js';
import * as formatting from './lib/format.js';
import './side-effect.js';
import config from '/js/config.js';
import remote from 'https://cdn.example.com/remote.js';
import bare from 'some-package';
const text = "import './string.js'";
const template = `${'import "./template.js"'}`;
const lazy = () => import('./lazy.js');
if (import.meta.url) mount(document.body, formatting, config, remote, bare, text, template, lazy);

import './about.css';
import { markReady } from './shared.ts';

markReady('about');

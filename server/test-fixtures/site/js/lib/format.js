export * from './dom.js';
export { greet as hello } from "../util.js";
export const format = (value) => `${value}`;

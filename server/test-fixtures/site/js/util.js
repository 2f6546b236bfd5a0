// util.js: a leaf module.
export const version = '1.0.0';
export function greet(name) {
  return `hello ${name} ${/* not an import */ ''}`;
}

// Internal: the header syntax both ends enforce, so a worker can hand a
// part's headers to `new Headers()` without it throwing.

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\0\r\n]*$/;

/** True when `name: value` is a header `new Headers()` accepts. */
export function isValidHeader(name: string, value: string): boolean {
  return HEADER_NAME.test(name) && HEADER_VALUE.test(value);
}

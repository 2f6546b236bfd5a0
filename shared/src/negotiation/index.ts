export { ACCEPT_PUSH_STREAM_HEADER, CACHE_DIGEST_HEADER, NAVIGATION_PRELOAD_HEADER, NEGOTIATION_VARY_HEADERS, PAGE_SETS_COOKIE_HEADER } from './header-names.ts';
export { formatPreloadValue, parsePreloadValue, type PreloadValueFields } from './preload-value.ts';
export { headerView, readNegotiation, type DigestSignals, type HeaderView } from './read-negotiation.ts';

/** The two files a site serves: the loader and the Service Worker, as JavaScript text. */
export interface ClientFiles {
  /** `/cache-digest.js`: the one-tag loader. */
  loader: string;
  /** `/cache-digest-sw.js`: the Service Worker, with its options built in. */
  worker: string;
}

import { parseRoutePattern, type ParsedRoutePattern } from './route-pattern.ts';

interface TrieNode {
  literal: Map<string, TrieNode>;
  param?: TrieNode;
  /** Ranks of the routes ending here, and of those whose `*` starts here. */
  end: number[];
  rest: number[];
}

const newNode = (): TrieNode => ({ literal: new Map(), end: [], rest: [] });

/** One route's pattern and its value (a page's asset list in the core). */
export interface RouteMatch<T> {
  pattern: string;
  value: T;
}

/**
 * Route patterns compiled once into a segment trie, matched against request
 * paths. Precedence (docs/push-manifest.md): a pattern without parameters
 * beats one with parameters, which beats one ending in `*`; within a kind,
 * the longer literal prefix (characters before the first parameter or `*`)
 * wins; then the earlier pattern. Matching visits each trie node at most
 * once, so a path costs at most the table's size whatever the client sends.
 * Throws `RoutePatternError` on a bad pattern.
 */
export class RouteTable<T> {
  private readonly root = newNode();
  // In precedence order: a route's index here is its rank.
  private readonly routes: RouteMatch<T>[];

  constructor(entries: Iterable<readonly [pattern: string, value: T]>) {
    const parsed: { route: ParsedRoutePattern; value: T; order: number }[] = [];
    let order = 0;
    for (const [pattern, value] of entries) parsed.push({ route: parseRoutePattern(pattern), value, order: order++ });
    parsed.sort((a, b) => a.route.kind - b.route.kind || b.route.staticPrefix - a.route.staticPrefix || a.order - b.order);
    this.routes = parsed.map(({ route, value }) => ({ pattern: route.pattern, value }));
    parsed.forEach(({ route }, rank) => {
      let node = this.root;
      for (const segment of route.segments) {
        if (segment.kind === 'wildcard') {
          node.rest.push(rank);
          return;
        }
        if (segment.kind === 'param') node = node.param ??= newNode();
        else {
          let next = node.literal.get(segment.text);
          if (!next) node.literal.set(segment.text, (next = newNode()));
          node = next;
        }
      }
      node.end.push(rank);
    });
  }

  /** How many routes the table holds. */
  get size(): number {
    return this.routes.length;
  }

  /** The best route for a request path (query and fragment ignored), or undefined. */
  match(requestPath: string): RouteMatch<T> | undefined {
    if (this.routes.length === 0 || !requestPath.startsWith('/')) return undefined;
    const end = requestPath.search(/[?#]/);
    const segments = (end === -1 ? requestPath : requestPath.slice(0, end)).slice(1).split('/');
    let best = Infinity;
    const visit = (node: TrieNode, index: number): void => {
      if (index === segments.length) {
        for (const rank of node.end) if (rank < best) best = rank;
        return;
      }
      // `*` takes the rest of the path, `/docs/` included, but not `/docs` (no segment left for it).
      for (const rank of node.rest) if (rank < best) best = rank;
      const segment = segments[index]!;
      const literal = node.literal.get(segment);
      if (literal) visit(literal, index + 1);
      if (node.param && segment !== '') visit(node.param, index + 1);
    };
    visit(this.root, 0);
    return best === Infinity ? undefined : this.routes[best];
  }
}

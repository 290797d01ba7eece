// Kubernetes-aware version ordering (apimachinery's CompareKubeAwareVersionStrings): GA before
// beta before alpha, higher numbers first, versions of another shape last in name order.

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

function rank(v: string): [number, number, number, number] | undefined {
  const m = KUBE_VERSION.exec(v);
  if (!m) return undefined;
  const stability = m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0;
  return [1, Number(m[1]), stability, m[3] === undefined ? 0 : Number(m[3])];
}

/** > 0 when a has priority over b, < 0 when b has, 0 when equal. */
export function compareKubeAwareVersions(a: string, b: string): number {
  const ra = rank(a);
  const rb = rank(b);
  if (!ra && !rb) return a < b ? 1 : a > b ? -1 : 0;
  if (!ra) return -1;
  if (!rb) return 1;
  // GA > beta > alpha, then the major number, then the pre-release number.
  if (ra[2] !== rb[2]) return ra[2] - rb[2];
  if (ra[1] !== rb[1]) return ra[1] - rb[1];
  return ra[3] - rb[3];
}

/** Versions by priority, highest first (discovery's order, the preferred version first). */
export function sortByPriority(versions: string[]): string[] {
  return [...versions].sort((a, b) => compareKubeAwareVersions(b, a));
}

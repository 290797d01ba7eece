// What upstream's names and addresses look like, for assertions.

/** Inside the default service CIDR 10.96.0.0/12 (10.96.0.0 - 10.111.255.255). */
export function inServiceCIDR(ip: string): boolean {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  const [a, b] = ip.split('.').map(Number);
  return a === 10 && b >= 96 && b <= 111;
}

/** The alphabet of upstream's generated name suffixes and pod-template hashes. */
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';

/** `kubectl get pods -o name` of a Deployment's pod: pod/<deployment>-<pod-template-hash>-<5 chars>. */
export const podNameOf = (deployment: string) => new RegExp(`^pod/${deployment}-${SAFE}{1,10}-${SAFE}{5}$`);

/** A Deployment's ReplicaSet: <deployment>-<pod-template-hash>. */
export const replicaSetNameOf = (deployment: string) => new RegExp(`^${deployment}-${SAFE}{1,10}$`);

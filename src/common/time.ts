// Times as the Kubernetes API writes them.

/** metav1.Time: RFC 3339 in whole seconds, UTC ("2024-05-01T10:00:00Z"), as every API time shows. */
export function metaTime(at: Date | number = new Date()): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime (Lease renewTime, Event eventTime): microseconds ("2024-05-01T10:00:00.123000Z"). */
export function metaMicroTime(at: Date | number = new Date()): string {
  return new Date(at).toISOString().replace(/Z$/, '000Z');
}

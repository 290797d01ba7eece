// Test support: a small protobuf encoder, each helper returning one encoded field, and the
// Kubernetes envelope ("k8s\0" + runtime.Unknown) around a message.

// varint takes a safe integer; a negative one is sent as its 64-bit two's complement, as Go does.
export const varint = (n: number): Buffer => {
  let lo = n >>> 0;
  let hi = Math.floor(n / 4294967296) >>> 0;
  const out: number[] = [];
  while (hi || lo > 0x7f) {
    out.push((lo & 0x7f) | 0x80);
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  out.push(lo);
  return Buffer.from(out);
};
export const tag = (field: number, wireType: number) => varint((field << 3) | wireType);
export const int = (field: number, n: number) => Buffer.concat([tag(field, 0), varint(n)]);
export const bytes = (field: number, data: Buffer | string) => {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return Buffer.concat([tag(field, 2), varint(b.length), b]);
};
export const msg = (field: number, ...parts: Buffer[]) => bytes(field, Buffer.concat(parts));
export const entry = (field: number, key: string, value: Buffer | string) => msg(field, bytes(1, key), bytes(2, value));
export const MAGIC = Buffer.from('k8s\0', 'latin1');
export const envelope = (apiVersion: string, kind: string, ...body: Buffer[]) =>
  Buffer.concat([MAGIC, msg(1, bytes(1, apiVersion), bytes(2, kind)), msg(2, ...body), bytes(3, ''), bytes(4, '')]);


// The one error the codec throws: the bytes (or a name given to encode) are not valid DNS.

export class WireFormatError extends Error {
  override name = 'WireFormatError';
}

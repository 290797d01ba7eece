// Field paths as upstream's field.Path prints them: "spec.versions[0].schema", map keys in
// brackets without quotes ("properties[spec]").

export const child = (path: string, name: string): string => (path ? `${path}.${name}` : name);
export const key = (path: string, k: string): string => `${path}[${k}]`;
export const index = (path: string, i: number): string => `${path}[${i}]`;

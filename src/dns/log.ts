// Log lines in CoreDNS's shape ("[INFO] ...", "[ERROR] plugin/errors: ..."); the process owner
// decides where they go.

export interface Logger {
  info(line: string): void;
  error(line: string): void;
}

export const consoleLogger: Logger = {
  info: (line) => process.stdout.write(`[INFO] ${line}\n`),
  error: (line) => process.stderr.write(`[ERROR] ${line}\n`),
};

export const silentLogger: Logger = { info: () => {}, error: () => {} };

// Test helper: runs one topology operation in its own process, so tests can run it inside a
// stand-in host namespace (routeHost) or kill it half-way (crash tests).
// Usage: node run-topology.js '{"op":"create","config":{...},"pauseAt":"<step>"}'
//        | '{"op":"destroy","cluster":"x"}' | '{"op":"leftovers","cluster":"x"}'.
// Prints "step <name>" lines, then "result <json>" or "error <message>". With pauseAt, the
// process freezes (for a minute) when that step begins, for a test to kill it right there.

import { createTopology, destroyTopology, findLeftovers } from '../index.js';

const req = JSON.parse(process.argv[2] ?? '{}');
// Writes to a pipe are synchronous on Linux: a printed line is out before a pause begins.
const print = (line: string) => process.stdout.write(`${line}\n`);
const onStep = (step: string) => {
  print(`step ${step}`);
  if (step === req.pauseAt) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
};
try {
  let result: unknown;
  if (req.op === 'create') result = await createTopology(req.config, { onStep });
  else if (req.op === 'destroy') result = await destroyTopology(req.cluster);
  else if (req.op === 'leftovers') result = await findLeftovers(req.cluster);
  else throw new Error(`unknown op ${req.op}`);
  print(`result ${JSON.stringify(result)}`);
} catch (e) {
  print(`error ${(e as Error).message}`);
  process.exitCode = 1;
}

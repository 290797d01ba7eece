// Runs one network probe and prints its outcome as JSON: started by the runtime with
// `ip netns exec <node namespace>` when the agent itself runs outside the node's namespace.
//
//   node probe-helper.js '<NetworkProbe as JSON>'

import { runNetworkProbe, type NetworkProbe } from './probe.js';

const outcome = await runNetworkProbe(JSON.parse(process.argv[2] ?? '{}') as NetworkProbe);
process.stdout.write(JSON.stringify(outcome));

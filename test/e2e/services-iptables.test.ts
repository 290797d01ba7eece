// kube-proxy's iptables mode (the default) on a real 3-node cluster: the shared Service behaviour
// suite, plus what `iptables -t nat -L` shows.
import { servicesBehaviourSuite } from './lib/services-suite.js';

servicesBehaviourSuite('iptables');

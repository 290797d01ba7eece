// kube-proxy's nftables mode (`knit up --proxy-mode nftables`) on a real 3-node cluster: the
// shared Service behaviour suite, plus what `nft list table ip kube-proxy` shows.
import { servicesBehaviourSuite } from './lib/services-suite.js';

servicesBehaviourSuite('nftables');

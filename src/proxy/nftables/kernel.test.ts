// Real nftables rules in a network namespace, real traffic: the shared behaviour suite.
import { behaviourSuite } from '../behaviour.case.js';

behaviourSuite('nftables', 'kpt-nft');

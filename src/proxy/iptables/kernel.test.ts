// Real iptables rules in a network namespace, real traffic: the shared behaviour suite.
import { behaviourSuite } from '../behaviour.case.js';

behaviourSuite('iptables', 'kpt-ipt');

// The node agent's config: what `knit up` tells each agent at start, in the file its --config
// names (<data dir>/nodes/<node>/config.json). It lives beside the agent, which does not know
// what assembled it; src/cluster/nodes.ts writes it.

/** What a node agent is told at start (the file its --config names). */
export interface NodeAgentConfig {
  clusterName: string;
  nodeName: string;
  nodeIP: string;
  /** The node's pod range: the underlay routes it to this node, so the Node is registered with it. */
  podCIDR: string;
  dataDir: string;
  kubeconfig: string;
  tlsCertFile: string;
  tlsKeyFile: string;
  caFile: string;
  clusterCIDR: string;
  serviceCIDR: string;
  clusterDNS: string;
  clusterDomain: string;
  networkMode: 'vxlan' | 'routes';
  /**
   * kubelet's nodeLeaseDurationSeconds: the node monitor grace period, so that heartbeats (every
   * quarter of it) keep a node Ready however short the grace period is made (40 s: kubelet's default).
   */
  nodeLeaseDurationSeconds: number;
  /** The API server as pods and knit's own components reach it directly (https://<gateway>:<port>). */
  apiServer: string;
  /** kubelet's --resolv-conf: the node's resolver configuration (the gateway's DNS relay), for dnsPolicy Default and the search list. */
  resolvConf: string;
}

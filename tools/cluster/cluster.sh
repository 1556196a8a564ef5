#!/usr/bin/env bash
# A real Kubernetes control plane on loopback, without Docker:
# etcd + kube-apiserver + kube-controller-manager + kube-scheduler built from
# the pinned Go modules in tools/cluster/go, and kwok faking one node so pods
# become Ready and Job pods (and bare restartPolicy=Never pods) Succeed.
# No container ever runs.
#
#   tools/cluster/cluster.sh up       build (first run only) and start, or reuse a running one
#   tools/cluster/cluster.sh down     stop the processes it recorded, delete the cluster state
#   tools/cluster/cluster.sh status   exit 0 when the recorded cluster answers
#   tools/cluster/cluster.sh build    only build the binaries
#   tools/cluster/cluster.sh env      print `export KUBECONFIG=...`
#
# Environment:
#   KRYPTOVAULT_CLUSTER_DIR   state dir (default ${XDG_STATE_HOME:-$HOME/.local/state}/kryptovault-cluster);
#                             the kubeconfig is <state dir>/kubeconfig
#   KRYPTOVAULT_CLUSTER_PORT  base port (default 26400): etcd +1/+2, apiserver +43,
#                             controller-manager +57, scheduler +59, kwok +50
#   KRYPTOVAULT_TOOLS_CACHE   binary cache (default ${XDG_CACHE_HOME:-$HOME/.cache}/kryptovault-tools)
#   CLUSTER_GO_PARALLEL       go build -p (default 2)
set -euo pipefail

K8S_VERSION=v1.37.2
ETCD_VERSION=v3.7.0
KWOK_VERSION=v0.8.0
PROMETHEUS_OPERATOR_VERSION=v0.85.0

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
GO_MODULE_DIR="$HERE/go"
CACHE_ROOT="${KRYPTOVAULT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kryptovault-tools}"
BIN_DIR="$CACHE_ROOT/kubernetes-$K8S_VERSION/bin"
STATE_DIR="${KRYPTOVAULT_CLUSTER_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/kryptovault-cluster}"
PKI="$STATE_DIR/pki"
LOGS="$STATE_DIR/logs"
PIDS="$STATE_DIR/pids"
KUBECONFIG_PATH="$STATE_DIR/kubeconfig"
BASE_PORT="${KRYPTOVAULT_CLUSTER_PORT:-26400}"
ETCD_CLIENT_PORT=$((BASE_PORT + 1))
ETCD_PEER_PORT=$((BASE_PORT + 2))
APISERVER_PORT=$((BASE_PORT + 43))
KWOK_PORT=$((BASE_PORT + 50))
KCM_PORT=$((BASE_PORT + 57))
SCHEDULER_PORT=$((BASE_PORT + 59))
GO_PARALLEL="${CLUSTER_GO_PARALLEL:-2}"
# Stop order (reverse of start order).
COMPONENTS=(kwok kube-scheduler kube-controller-manager kube-apiserver etcd)
NODE_NAME=kwok-node-0

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- build

go_build() { # <output name> <package> [ldflags]
  local name="$1" pkg="$2" ldflags="${3:--s -w}"
  (
    cd "$GO_MODULE_DIR"
    # -mod=readonly: the committed go.mod/go.sum are the whole truth, no tidy.
    CGO_ENABLED=0 GOWORK=off GOFLAGS="${GOFLAGS:-} -mod=readonly" \
      nice -n 19 go build -p "$GO_PARALLEL" -trimpath -ldflags "$ldflags" \
      -o "$BIN_DIR/$name.partial" "$pkg"
  )
  mv "$BIN_DIR/$name.partial" "$BIN_DIR/$name"
}

build() {
  command -v go >/dev/null || die "go is not on PATH (Go >= 1.26 builds the control plane)"
  mkdir -p "$BIN_DIR"
  local k8s_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION"
  k8s_ldflags+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37"
  local started=$SECONDS built=0 cmd
  for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    if [[ ! -x "$BIN_DIR/$cmd" ]]; then
      log "building $cmd $K8S_VERSION into $BIN_DIR (first run: ~6 min for all five binaries, later runs reuse them)"
      go_build "$cmd" "k8s.io/kubernetes/cmd/$cmd" "$k8s_ldflags"
      built=1
    fi
  done
  if [[ ! -x "$BIN_DIR/etcd" ]]; then
    log "building etcd $ETCD_VERSION"
    go_build etcd go.etcd.io/etcd/server/v3
    built=1
  fi
  if [[ ! -x "$BIN_DIR/kwok" ]]; then
    log "building kwok $KWOK_VERSION (~1 min)"
    (cd "$CACHE_ROOT" && CGO_ENABLED=0 GOWORK=off GOBIN="$BIN_DIR" \
      nice -n 19 go install -p "$GO_PARALLEL" -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION")
    built=1
  fi
  if ((built)); then log "binaries built in $((SECONDS - started)) s"; fi
}

module_dir() { # <module@version> -> its directory in the Go module cache
  (cd "$CACHE_ROOT" && GOWORK=off GOFLAGS='' go mod download -json "$1") |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

# ---------------------------------------------------------------- processes

# A recorded pid counts only while it still runs our binary (pids get reused).
pid_alive() { # <component>
  local file="$PIDS/$1.pid" pid exe
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
  [[ "$exe" == "$BIN_DIR/$1" ]]
}

wait_stopped() { # <component> <tries of 0.1 s>
  local i
  for ((i = 0; i < $2; i++)); do
    pid_alive "$1" || return 0
    sleep 0.1
  done
}

stop_component() { # <component>
  local c="$1" file="$PIDS/$1.pid" pid
  [[ -f "$file" ]] || return 0
  pid="$(cat "$file")"
  if pid_alive "$c"; then
    log "stopping $c (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    # kube-apiserver needs more than 2 s to stop after SIGTERM.
    wait_stopped "$c" 150
    if pid_alive "$c"; then
      log "$c did not stop in 15 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_stopped "$c" 50
    fi
  fi
  rm -f "$file"
}

start_component() { # <component> <args...>
  local c="$1"
  shift
  log "starting $c (log: $LOGS/$c.log)"
  # setsid: a Ctrl-C in the terminal that ran `up` does not reach the cluster.
  setsid "$BIN_DIR/$c" "$@" >"$LOGS/$c.log" 2>&1 </dev/null &
  echo "$!" >"$PIDS/$c.pid"
}

wait_for() { # <description> <seconds> <command...>
  local what="$1" timeout="$2" deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      die "$what not ready after ${timeout} s (logs: $LOGS)"
    fi
    sleep 0.2
  done
}

kubectl_() { "$BIN_DIR/kubectl" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

cluster_answers() {
  local c
  for c in "${COMPONENTS[@]}"; do pid_alive "$c" || return 1; done
  [[ -f "$KUBECONFIG_PATH" ]] && kubectl_ get --raw /readyz >/dev/null 2>&1
}

# ---------------------------------------------------------------- PKI

make_cert() { # <name> <subject> [serving SANs]
  local name="$1" subject="$2" sans="${3:-}" ext="$PKI/$1.ext"
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
  if [[ -n "$sans" ]]; then
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "$sans" >"$ext"
  else
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >"$ext"
  fi
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
}

write_kubeconfig() { # <file> <client cert name>
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kryptovault-test
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: $2
  user:
    client-certificate: $PKI/$2.crt
    client-key: $PKI/$2.key
contexts:
- name: kryptovault-test
  context:
    cluster: kryptovault-test
    user: $2
current-context: kryptovault-test
EOF
}

make_pki() {
  log "creating a CA, serving and client certificates (openssl)"
  mkdir -p "$PKI"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.crt" \
    -days 30 -subj "/CN=kryptovault-test-ca" 2>/dev/null
  make_cert apiserver "/CN=kube-apiserver" \
    "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  make_cert admin "/O=system:masters/CN=kubernetes-admin"
  make_cert controller-manager "/CN=system:kube-controller-manager"
  make_cert scheduler "/CN=system:kube-scheduler"
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  write_kubeconfig "$KUBECONFIG_PATH" admin
  write_kubeconfig "$STATE_DIR/controller-manager.kubeconfig" controller-manager
  write_kubeconfig "$STATE_DIR/scheduler.kubeconfig" scheduler
}

# ---------------------------------------------------------------- kwok

# kwok refuses to start without stages: take them from the kwok module itself.
write_kwok_config() {
  local stages dir
  dir="$(module_dir "sigs.k8s.io/kwok@$KWOK_VERSION")"
  [[ -n "$dir" && -d "$dir/kustomize/stage" ]] || die "kwok $KWOK_VERSION module not found in the Go module cache"
  stages="$dir/kustomize/stage"
  {
    cat "$stages/node/fast/node-initialize.yaml"
    echo '---'
    cat "$stages/node/heartbeat/node-heartbeat.yaml"
    echo '---'
    cat "$stages/pod/fast/pod-ready.yaml"
    echo '---'
    cat "$stages/pod/fast/pod-complete.yaml"
    echo '---'
    cat "$stages/pod/fast/pod-delete.yaml"
    echo '---'
    # kwok only completes Job pods; a bare restartPolicy=Never pod (a `helm test`
    # hook pod) would stay Running forever. This stage makes it Succeed too.
    sed -e 's/name: pod-complete$/name: pod-complete-bare/' \
      -e "s/- key: '.metadata.ownerReferences.\[\].kind'/- key: '.spec.restartPolicy'/" \
      -e "s/      - 'Job'/      - 'Never'\n    - key: '.metadata.ownerReferences'\n      operator: 'DoesNotExist'/" \
      "$stages/pod/fast/pod-complete.yaml"
    echo '---'
    # kwok's chaos stage: a running pod labelled pod-container-running-failed.stage.kwok.x-k8s.io=true
    # fails (exit code 1), so a test can make a container "fail" (a migration hook that errors).
    cat "$stages/pod/chaos/pod-container-running-failed.yaml"
  } >"$STATE_DIR/kwok.yaml"
  grep -q "pod-complete-bare" "$STATE_DIR/kwok.yaml" || die "could not derive the bare-pod stage"
  grep -q "pod-container-running-failed" "$STATE_DIR/kwok.yaml" || die "kwok's pod-container-running-failed stage is missing"
}

apply_node() {
  kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: $NODE_NAME
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
status:
  allocatable: {cpu: "32", memory: 128Gi, pods: "110"}
  capacity: {cpu: "32", memory: 128Gi, pods: "110"}
EOF
}

install_prometheus_crds() {
  local dir
  dir="$(module_dir "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION")"
  [[ -n "$dir" ]] || die "prometheus-operator $PROMETHEUS_OPERATOR_VERSION module not found"
  log "installing the ServiceMonitor and PrometheusRule CRDs (prometheus-operator $PROMETHEUS_OPERATOR_VERSION)"
  kubectl_ apply --server-side \
    -f "$dir/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml" \
    -f "$dir/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml" >/dev/null
  kubectl_ wait --for=condition=Established --timeout=60s \
    crd/servicemonitors.monitoring.coreos.com crd/prometheusrules.monitoring.coreos.com >/dev/null
}

# ---------------------------------------------------------------- commands

down() {
  local c any=0
  for c in "${COMPONENTS[@]}"; do
    if [[ -f "$PIDS/$c.pid" ]]; then any=1; fi
    stop_component "$c"
  done
  if [[ -d "$STATE_DIR" ]]; then
    rm -rf "$STATE_DIR"
  fi
  if ((any)); then log "stopped; removed $STATE_DIR"; else log "nothing recorded in $STATE_DIR: nothing to stop"; fi
}

up() {
  if cluster_answers; then
    log "already running (reused); kubeconfig: $KUBECONFIG_PATH"
    echo "$KUBECONFIG_PATH"
    return 0
  fi
  build
  command -v openssl >/dev/null || die "openssl is needed for the cluster certificates"
  if [[ -d "$STATE_DIR" ]]; then
    log "cleaning stale state in $STATE_DIR (a crashed or half-started cluster)"
    down
  fi
  local started=$SECONDS
  mkdir -p "$STATE_DIR" "$LOGS" "$PIDS"
  make_pki
  write_kwok_config

  start_component etcd --name default --data-dir "$STATE_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "default=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --log-level warn
  wait_for etcd 30 curl -fsS "http://127.0.0.1:$ETCD_CLIENT_PORT/health"

  start_component kube-apiserver \
    --etcd-servers "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --client-ca-file "$PKI/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --api-audiences https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range 10.96.0.0/16 \
    --authorization-mode Node,RBAC --endpoint-reconciler-type none \
    --allow-privileged=false --profiling=false
  wait_for kube-apiserver 90 kubectl_ get --raw /readyz

  start_component kube-controller-manager \
    --kubeconfig "$STATE_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$STATE_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$STATE_DIR/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$KCM_PORT" \
    --use-service-account-credentials --root-ca-file "$PKI/ca.crt" \
    --service-account-private-key-file "$PKI/sa.key" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --leader-elect=false --profiling=false
  start_component kube-scheduler \
    --kubeconfig "$STATE_DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig "$STATE_DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig "$STATE_DIR/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" \
    --leader-elect=false --profiling=false

  apply_node
  start_component kwok --kubeconfig "$KUBECONFIG_PATH" --config "$STATE_DIR/kwok.yaml" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-ip 127.0.0.1 --server-address "127.0.0.1:$KWOK_PORT"

  install_prometheus_crds
  wait_for "node $NODE_NAME" 60 kubectl_ wait --for=condition=Ready --timeout=1s "node/$NODE_NAME"
  wait_for "the default ServiceAccount" 60 kubectl_ get serviceaccount default -n default
  cluster_answers || die "the cluster did not come up (logs: $LOGS)"
  log "up in $((SECONDS - started)) s; kubeconfig: $KUBECONFIG_PATH"
  log "  export KUBECONFIG=$KUBECONFIG_PATH PATH=$BIN_DIR:\$PATH"
  echo "$KUBECONFIG_PATH"
}

status() {
  if cluster_answers; then
    log "running; kubeconfig: $KUBECONFIG_PATH"
    echo "$KUBECONFIG_PATH"
  else
    log "not running"
    return 1
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  build) build ;;
  env)
    # shellcheck disable=SC2016 # $PATH is for the shell that evals this line
    printf 'export KUBECONFIG=%q PATH=%q:"$PATH"\n' "$KUBECONFIG_PATH" "$BIN_DIR"
    ;;
  bin-dir) echo "$BIN_DIR" ;;
  *)
    echo "usage: $0 up|down|status|build|env|bin-dir" >&2
    exit 2
    ;;
esac

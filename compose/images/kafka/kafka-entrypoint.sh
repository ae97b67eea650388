#!/bin/bash
# Translates Redpanda's start flags into a KRaft server.properties (broker and controller in one JVM), formats
# the storage on first start (the cluster id is kept in the data volume), then runs the broker in the
# foreground. Alone it is node 1; with Redpanda's cluster flags (--seeds, --rpc-addr, --advertise-rpc-addr)
# every seed is a controller voter on the RPC port, the n-th seed being node n, so this node's id is the
# place of its own --advertise-rpc-addr among the seeds. KAFKA_<NAME> variables become properties (as in
# Apache Kafka's image: KAFKA_MIN_INSYNC_REPLICAS=2 → min.insync.replicas=2) after the defaults, so they win;
# CLUSTER_ID, when set, is the id every node of a cluster is formatted with.
set -euo pipefail

if [ "${1:-}" = 'redpanda' ]; then shift; [ "${1:-}" = 'start' ] && shift; else exec "$@"; fi

kafka_addr='internal://0.0.0.0:9092'
advertise_addr='internal://localhost:9092'
rpc_addr=''
advertise_rpc=''
seeds=''
while [ $# -gt 0 ]; do
  case "$1" in
    --kafka-addr) kafka_addr="$2"; shift 2 ;;
    --kafka-addr=*) kafka_addr="${1#*=}"; shift ;;
    --advertise-kafka-addr) advertise_addr="$2"; shift 2 ;;
    --advertise-kafka-addr=*) advertise_addr="${1#*=}"; shift ;;
    --rpc-addr) rpc_addr="$2"; shift 2 ;;
    --rpc-addr=*) rpc_addr="${1#*=}"; shift ;;
    --advertise-rpc-addr) advertise_rpc="$2"; shift 2 ;;
    --advertise-rpc-addr=*) advertise_rpc="${1#*=}"; shift ;;
    --seeds) seeds="$2"; shift 2 ;;
    --seeds=*) seeds="${1#*=}"; shift ;;
    # --smp, --memory, --mode … tune Redpanda's seastar runtime; nothing to map for the JVM.
    --*=*) shift ;;
    --*) if [ $# -gt 1 ] && [ "${2:0:2}" != '--' ]; then shift 2; else shift; fi ;;
    *) shift ;;
  esac
done

# "internal://0.0.0.0:9092,external://…" → "INTERNAL://0.0.0.0:9092,EXTERNAL://…" plus the protocol map.
upper_names() { echo "$1" | sed -E 's#(^|,)([a-zA-Z0-9_]+)://#\1\U\2\E://#g'; }
listeners="$(upper_names "$kafka_addr")"
advertised="$(upper_names "$advertise_addr")"
names="$(echo "$listeners" | grep -oE '(^|,)[A-Z0-9_]+://' | tr -d ',:/' )"
protocol_map="CONTROLLER:PLAINTEXT"
for n in $names; do protocol_map="$protocol_map,$n:PLAINTEXT"; done
first="$(echo "$names" | head -n1)"

node_id=1
voters='1@localhost:9093'
controller='CONTROLLER://localhost:9093'
if [ -n "$seeds" ]; then
  node_id=''
  voters=''
  n=0
  for seed in ${seeds//,/ }; do
    n=$((n + 1))
    voters="${voters:+$voters,}${n}@${seed}"
    [ "$seed" = "$advertise_rpc" ] && node_id=$n
  done
  if [ -z "$node_id" ]; then
    echo "kafka-entrypoint: --advertise-rpc-addr ${advertise_rpc:-(unset)} is not one of the --seeds ${seeds}" >&2
    exit 2
  fi
  controller="CONTROLLER://${rpc_addr:-0.0.0.0:33145}"
  advertised="${advertised},CONTROLLER://${advertise_rpc}"
fi

data=/var/lib/redpanda/data
mkdir -p "$data/kafka"
conf=/opt/kafka/config/server.properties
cat > "$conf" <<PROPS
process.roles=broker,controller
node.id=${node_id}
controller.quorum.voters=${voters}
listeners=${listeners},${controller}
advertised.listeners=${advertised}
listener.security.protocol.map=${protocol_map}
inter.broker.listener.name=${first}
controller.listener.names=CONTROLLER
log.dirs=${data}/kafka
num.partitions=1
# One broker: every internal topic needs replication factor 1 or it is never created (a cluster's
# KAFKA_* variables below size them to it).
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS
# KAFKA_FOO_BAR=x → foo.bar=x, leaving out the JVM's own variables (none set is no error).
{ env | grep -E '^KAFKA_' | grep -vE '^KAFKA_(HEAP_OPTS|JVM_PERFORMANCE_OPTS|OPTS|LOG4J_OPTS)=' || true; } | while IFS='=' read -r key value; do
  echo "$(echo "${key#KAFKA_}" | tr 'A-Z_' 'a-z.')=${value}"
done >> "$conf"

java_opts=(-cp '/opt/kafka/libs/*' -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties)
if [ ! -s "$data/kafka/meta.properties" ]; then
  cluster_id="${CLUSTER_ID:-$(cat "$data/cluster-id" 2>/dev/null || true)}"
  if [ -z "$cluster_id" ]; then
    cluster_id="$(java "${java_opts[@]}" kafka.tools.StorageTool random-uuid | tail -n1)"
    echo "$cluster_id" > "$data/cluster-id"
  fi
  # A one-off tool: the broker's small heap, and C1 alone (the C2 compiler never pays off in a run this short).
  java ${KAFKA_HEAP_OPTS:-} ${KAFKA_JVM_PERFORMANCE_OPTS:-} -XX:TieredStopAtLevel=1 "${java_opts[@]}" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$conf" --ignore-formatted
fi
rm -f /tmp/kafka-server.log
exec java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC} "${java_opts[@]}" kafka.Kafka "$conf"

#!/bin/bash
# Translates Redpanda's start flags into a single-node KRaft server.properties, formats the storage on
# first start (the cluster id is kept in the data volume), then runs the broker in the foreground.
set -euo pipefail

if [ "${1:-}" = 'redpanda' ]; then shift; [ "${1:-}" = 'start' ] && shift; else exec "$@"; fi

kafka_addr='internal://0.0.0.0:9092'
advertise_addr='internal://localhost:9092'
while [ $# -gt 0 ]; do
  case "$1" in
    --kafka-addr) kafka_addr="$2"; shift 2 ;;
    --kafka-addr=*) kafka_addr="${1#*=}"; shift ;;
    --advertise-kafka-addr) advertise_addr="$2"; shift 2 ;;
    --advertise-kafka-addr=*) advertise_addr="${1#*=}"; shift ;;
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

data=/var/lib/redpanda/data
mkdir -p "$data/kafka"
conf=/opt/kafka/config/server.properties
cat > "$conf" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
listeners=${listeners},CONTROLLER://localhost:9093
advertised.listeners=${advertised}
listener.security.protocol.map=${protocol_map}
inter.broker.listener.name=${first}
controller.listener.names=CONTROLLER
log.dirs=${data}/kafka
num.partitions=1
# One broker: every internal topic needs replication factor 1 or it is never created.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS

java_opts=(-cp '/opt/kafka/libs/*' -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties)
if [ ! -s "$data/kafka/meta.properties" ]; then
  cluster_id="$(cat "$data/cluster-id" 2>/dev/null || true)"
  if [ -z "$cluster_id" ]; then
    cluster_id="$(java "${java_opts[@]}" kafka.tools.StorageTool random-uuid | tail -n1)"
    echo "$cluster_id" > "$data/cluster-id"
  fi
  java "${java_opts[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$conf" --ignore-formatted
fi
rm -f /tmp/kafka-server.log
exec java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m} -XX:+UseG1GC "${java_opts[@]}" kafka.Kafka "$conf"

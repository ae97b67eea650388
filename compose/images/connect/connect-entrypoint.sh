#!/bin/bash
# Writes connect-distributed.properties from the Debezium image's environment contract and runs the worker.
set -euo pipefail
if [ "${1:-start}" != 'start' ]; then exec "$@"; fi

: "${BOOTSTRAP_SERVERS:?BOOTSTRAP_SERVERS must be set (host:port of the Kafka API)}"
: "${GROUP_ID:=1}" "${CONFIG_STORAGE_TOPIC:?CONFIG_STORAGE_TOPIC must be set}" "${OFFSET_STORAGE_TOPIC:?OFFSET_STORAGE_TOPIC must be set}"
: "${STATUS_STORAGE_TOPIC:=connect_statuses}" "${REST_PORT:=8083}" "${ADVERTISED_HOST_NAME:=$(hostname -i | awk '{print $1}')}"
: "${KEY_CONVERTER:=org.apache.kafka.connect.json.JsonConverter}" "${VALUE_CONVERTER:=org.apache.kafka.connect.json.JsonConverter}"

conf=/opt/kafka/config/connect-distributed.properties
{
  echo "bootstrap.servers=${BOOTSTRAP_SERVERS}"
  echo "group.id=${GROUP_ID}"
  echo "config.storage.topic=${CONFIG_STORAGE_TOPIC}"
  echo "offset.storage.topic=${OFFSET_STORAGE_TOPIC}"
  echo "status.storage.topic=${STATUS_STORAGE_TOPIC}"
  echo "key.converter=${KEY_CONVERTER}"
  echo "value.converter=${VALUE_CONVERTER}"
  echo "listeners=http://0.0.0.0:${REST_PORT}"
  echo "rest.advertised.host.name=${ADVERTISED_HOST_NAME}"
  echo "rest.advertised.port=${REST_PORT}"
  echo "plugin.path=/kafka/connect"
  echo "offset.flush.interval.ms=${OFFSET_FLUSH_INTERVAL_MS:-5000}"
  # As the Debezium image: CONNECT_FOO_BAR=x becomes foo.bar=x (later lines win over the defaults above).
  env | grep -E '^CONNECT_' | grep -vE '^CONNECT_(REST|PLUGIN_PATH)' | while IFS='=' read -r key value; do
    prop="$(echo "${key#CONNECT_}" | tr 'A-Z_' 'a-z.')"
    echo "${prop}=${value}"
  done
} > "$conf"

# KAFKA_JVM_PERFORMANCE_OPTS as Kafka's start scripts (and so the Debezium image) read it.
exec java ${HEAP_OPTS:--Xms256m -Xmx1g} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC} -cp '/opt/kafka/libs/*' \
  -Dlog4j2.configurationFile=/opt/kafka/config/connect-log4j2.properties \
  org.apache.kafka.connect.cli.ConnectDistributed "$conf"

#!/usr/bin/env bash
# A throwaway Kafka cluster for tests and benchmarks (DESIGN §6): the librdkafka
# mock cluster (3 brokers) run as its own process by tests/support/kafka_mock.
#
#   kafka.sh start DIR [TOPIC:PARTITIONS …]  start it with its control FIFO in DIR and
#                                            the topics created; prints shell assignments
#                                            to eval: KAFKA_BROKERS KAFKA_PID KAFKA_DIR
#   kafka.sh topic DIR NAME PARTITIONS       create a topic
#   kafka.sh down DIR | up DIR               disconnect every broker and refuse
#                                            connections / accept them again
#   kafka.sh produce-errors DIR N CODE       answer the next N produce requests with
#                                            Kafka error CODE (a number)
#   kafka.sh offsets DIR GROUP TOPIC         a group's committed offsets as JSON
#   kafka.sh stop DIR                        stop it by its PID
#
# The brokers listen on 127.0.0.1, on ports the kernel picks. The helpers are
# found in $SLUICE_BUILD_DIR/tests/support, or beside $SLUICE's build directory.
# Limits of the mock (NOTES.md): a partition keeps a bounded log (keep each
# partition well under ~5 MiB / 100k messages in a test), a consumer group
# member killed without leaving blocks rejoin for session.timeout.ms, and
# offsets for timestamps are never found.
set -euo pipefail

helper() {
  local name=$1 dir
  for dir in "${SLUICE_BUILD_DIR:-}/tests/support" "$(dirname "${SLUICE:-/nonexistent}")/tests/support"; do
    if [ -x "$dir/$name" ]; then
      echo "$dir/$name"
      return
    fi
  done
  echo "kafka.sh: $name is not built (cmake --build BUILD --target $name)" >&2
  return 1
}

start() {
  local dir=$1
  shift
  local mock i
  mock=$(helper kafka_mock)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  rm -f "$dir/ctl" "$dir/ctl.acks" "$dir/bootstrap"
  "$mock" --control "$dir/ctl" "$@" >"$dir/bootstrap" 2>"$dir/mock.log" </dev/null &
  echo $! >"$dir/pid"
  for ((i = 0; i < 100; i++)); do
    if [ -s "$dir/bootstrap" ]; then
      echo "KAFKA_BROKERS=$(head -n 1 "$dir/bootstrap")"
      echo "KAFKA_PID=$(cat "$dir/pid")"
      echo "KAFKA_DIR=$dir"
      return
    fi
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      break
    fi
    sleep 0.05
  done
  cat "$dir/mock.log" >&2
  echo "kafka.sh: the mock cluster did not start" >&2
  return 1
}

# control DIR COMMAND…: sends one command and waits for its answer.
control() {
  local dir=$1
  shift
  local seq i answer
  seq="$$.$RANDOM.$RANDOM"
  echo "$seq $*" >"$dir/ctl"
  for ((i = 0; i < 200; i++)); do
    answer=$(grep -E "^(ok|error) $seq(:|$)" "$dir/ctl.acks" 2>/dev/null || true)
    if [ -n "$answer" ]; then
      case "$answer" in
      ok*) return 0 ;;
      *)
        echo "kafka.sh: $answer" >&2
        return 1
        ;;
      esac
    fi
    sleep 0.05
  done
  echo "kafka.sh: no answer to '$*'" >&2
  return 1
}

stop() {
  local dir=$1 pid i
  [ -f "$dir/pid" ] || return 0
  pid=$(cat "$dir/pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/pid"
}

case "${1:-}" in
start) shift && start "$@" ;;
topic) control "$2" topic "$3" "$4" ;;
down) control "$2" down ;;
up) control "$2" up ;;
produce-errors) control "$2" produce-errors "$3" "$4" ;;
offsets) "$(helper kafka_offsets)" "$(head -n 1 "$2/bootstrap")" "$3" "$4" ;;
stop) stop "$2" ;;
*)
  echo "usage: kafka.sh start DIR [TOPIC:PARTITIONS …] | topic DIR NAME N | down DIR | up DIR |" >&2
  echo "       produce-errors DIR N CODE |" >&2
  echo "       offsets DIR GROUP TOPIC | stop DIR" >&2
  exit 2
  ;;
esac

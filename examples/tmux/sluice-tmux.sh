#!/usr/bin/env bash
# sluice-tmux.sh ENV_FILE [SESSION]: runs the orders pipeline of
# examples/systemd/sluice-orders.service by hand, in a detached tmux session
# (default name: sluice-orders) — for a server without systemd, or to watch a
# pipeline while trying it out. Attach with `tmux attach -t sluice-orders`.
#
# Window "pipeline": the pipeline, restarted after 5 s like Restart=on-failure
#   unless it exited 0, 2 (usage) or 65 (bad data); each exit is logged to
#   $STATE_DIRECTORY/exits.log.
# Window "store": the checkpoint store's positions every 5 s.
# Stop gracefully with `tmux send-keys -t sluice-orders:pipeline C-c` (SIGINT to
# every stage: the capture writes its final barrier, the sink commits it).
#
# ENV_FILE is the unit's environment file (SOURCE_URI, TARGET_URI, SLOT,
# TABLES). Secrets are files in $SECRETS_DIRECTORY (default
# ~/.config/sluice/orders): source-password, target-password, hash-key.
# State (dead letters, exits.log) goes to $STATE_DIRECTORY (default
# ~/.local/state/sluice-orders). SLUICE names the binary (default: sluice).
set -euo pipefail
env_file=$(realpath "${1:?usage: sluice-tmux.sh ENV_FILE [SESSION]}")
session=${2:-sluice-orders}
secrets=${SECRETS_DIRECTORY:-$HOME/.config/sluice/orders}
state=${STATE_DIRECTORY:-$HOME/.local/state/sluice-orders}
sluice=${SLUICE:-sluice}
mkdir -p "$state"

# One shell line per window; values reach it through the environment only.
pipeline='set -a; . "$ENV_FILE"; set +a; cd "$STATE_DIRECTORY"
while :; do
  set -o pipefail
  "$SLUICE" capture postgres "$SOURCE_URI" --password-file "$SECRETS_DIRECTORY/source-password" \
      --slot "$SLOT" --publication "$SLOT" --tables "$TABLES" --checkpoint "$TARGET_URI" \
    | "$SLUICE" transform --hash after.email,before.email --hash-key-file "$SECRETS_DIRECTORY/hash-key" \
    | "$SLUICE" sink postgres "$TARGET_URI" --password-file "$SECRETS_DIRECTORY/target-password" \
      --create --checkpoint "$TARGET_URI" --on-error "dead-letter:$STATE_DIRECTORY/dead-letters.ndjson"
  rc=$?
  echo "$(date -u +%FT%TZ) exit $rc" >>"$STATE_DIRECTORY/exits.log"
  case $rc in 0 | 2 | 65) break ;; esac
  sleep 5
done'
store='set -a; . "$ENV_FILE"; set +a
while :; do clear; "$SLUICE" checkpoint show "$TARGET_URI"; sleep 5; done'

tmux new-session -d -s "$session" -n pipeline \
  -e "ENV_FILE=$env_file" -e "SECRETS_DIRECTORY=$secrets" -e "STATE_DIRECTORY=$state" \
  -e "SLUICE=$sluice" bash -c "$pipeline"
tmux new-window -d -t "$session" -n store \
  -e "ENV_FILE=$env_file" -e "SLUICE=$sluice" bash -c "$store"
echo "started tmux session $session: tmux attach -t $session"

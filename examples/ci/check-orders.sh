#!/usr/bin/env bash
# check-orders.sh FILE…: a CI data check. Fails the job (exit 65) when an order
# in the NDJSON files breaks a rule, naming the file, the line and the rule.
#
#   sluice capture file: error: orders.ndjson:17: expected a JSON object …
#   sluice transform: error: stdin:42: assertion failed: after.amount >= 0
#
# capture file validates every line (JSON, UTF-8, one object per line) and names
# the file's line; --no-control keeps stdin free of control records, so the
# transform's stdin:N is the Nth event, which is line N of the file when it has
# no blank lines. --on-error skip would list every bad line instead of stopping
# at the first, and still exit 0: keep the default `fail` for a gate.
set -euo pipefail
sluice=${SLUICE:-sluice}
"$sluice" capture file --no-control --quiet "$@" \
  | "$sluice" transform --quiet \
    --assert 'exists(id) and exists(key.order_id)' \
    --where 'op != "delete"' \
    --assert 'after.amount >= 0' \
    --assert 'after.status in ["pending", "paid", "shipped", "delivered", "cancelled"]' \
    --assert 'matches(after.customer.email, "^[^@ ]+@[^@ ]+$")' \
    >/dev/null

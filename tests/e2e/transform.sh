#!/usr/bin/env bash
# sluice transform: jq oracles, HMAC against openssl, output fidelity, bad input,
# schema rewriting, control records, aborts and a whole pipeline into SQLite.
source "$(dirname "$0")/lib.sh"
require_tool jq python3 openssl sqlite3

gen() { sluice capture generate --no-control --count "$1" --dup-rate 0.05 --disorder 0.1 -q; }

# same_json A B: the two files hold the same JSON values line by line.
same_json() {
  python3 - "$1" "$2" <<'PY'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
b = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(a) == len(b), f"{len(a)} lines vs {len(b)}"
for i, (x, y) in enumerate(zip(a, b)):
    assert x == y, f"line {i + 1}: {x} != {y}"
print(f"{len(a)} lines agree")
PY
}

test_filter_and_project_agree_with_jq_on_100k_events() {
  gen 100000 >in.ndjson
  sluice transform -q --where 'after.amount > 100' \
    --select id,ts,amount=after.amount,country=after.customer.country <in.ndjson >ours.ndjson
  jq -c 'select(.after.amount > 100) | {id, ts, amount: .after.amount, country: .after.customer.country}' \
    <in.ndjson >jq.ndjson
  [ "$(wc -l <ours.ndjson)" -gt 10000 ] || fail "too few events selected"
  same_json ours.ndjson jq.ndjson
}

test_ten_more_expressions_agree_with_jq() {
  gen 20000 >in.ndjson
  while IFS='|' read -r ours theirs; do
    sluice transform -q --where 'op != "delete"' --where "$ours" --select id <in.ndjson >ours.ndjson
    jq -c "select(.op != \"delete\") | select($theirs) | {id}" <in.ndjson >jq.ndjson
    [ -s jq.ndjson ] || fail "jq selects nothing for $theirs"
    same_json ours.ndjson jq.ndjson >/dev/null || fail "'$ours' differs from jq '$theirs'"
  done <<'CASES'
op == "update"|.op == "update"
after.amount >= 50 and after.amount < 150|.after.amount >= 50 and .after.amount < 150
after.status in ["paid", "shipped"]|.after.status == "paid" or .after.status == "shipped"
starts_with(after.customer.email, "j")|.after.customer.email | startswith("j")
ends_with(after.customer.email, ".fr") or not (after.version <= 2)|(.after.customer.email | endswith(".fr")) or (.after.version <= 2 | not)
contains(after.customer.name, "a")|.after.customer.name | contains("a")
len(after.items) >= 2|(.after.items | length) >= 2
matches(after.customer.email, '^[a-m]')|.after.customer.email | test("^[a-m]")
after.amount * 2 - 10 > 300|.after.amount * 2 - 10 > 300
lower(after.customer.country) == "fr"|(.after.customer.country | ascii_downcase) == "fr"
after.version % 2 == 0 and ts != 0|.after.version % 2 == 0 and .ts != 0
"P5333" in after.items[*].sku or len(after.customer.name) > 8|any(.after.items[].sku; . == "P5333") or (.after.customer.name | length) > 8
CASES
}

test_hash_equals_openssl_hmac_sha256() {
  gen 200 >in.ndjson
  export PII_KEY='k3y with spaces'
  sluice transform -q --hash after.customer.email --hash-key-env PII_KEY <in.ndjson >out.ndjson
  printf '%s\n' "$PII_KEY" >key.txt
  sluice transform -q --hash after.customer.email --hash-key-file key.txt <in.ndjson >out2.ndjson
  cmp out.ndjson out2.ndjson
  paste -d'\n' <(jq -r 'select(.after != null) | .after.customer.email' in.ndjson) \
    <(jq -r 'select(.after != null) | .after.customer.email' out.ndjson) >pairs
  while read -r email && read -r hashed; do
    want=$(printf '%s' "$email" | openssl dgst -sha256 -hmac "$PII_KEY" | sed 's/.*= //')
    expect_eq "$hashed" "$want" "HMAC of $email"
  done <pairs
  # Everything else is byte for byte the input.
  jq -c 'del(.after.customer.email)' in.ndjson >a
  jq -c 'del(.after.customer.email)' out.ndjson >b
  cmp a b
}

test_hash_refuses_to_run_without_a_key() {
  echo '{"a":"x"}' >in.ndjson
  expect_exit 2 sluice transform --hash a <in.ndjson 2>err
  expect_contains err 'needs a key'
  expect_exit 2 sluice transform --hash a --hash-key-env SLUICE_UNSET_KEY <in.ndjson 2>err
  expect_contains err 'SLUICE_UNSET_KEY is not set'
  sluice transform -q --hash a --unsalted <in.ndjson >out
  want=$(printf x | openssl dgst -sha256 | sed 's/.*= //')
  expect_eq "$(cat out)" "{\"a\":\"$want\"}"
}

test_untouched_bytes_stay_as_written() {
  printf '%s\n' '{"a" : 64.0, "s":"caf\u00e9 \"q\"", "n":{"x":1e2,"y":[1, 2]}, "u":"Zoë", "z":null}' >in.ndjson
  sluice transform -q --where 'a == 64' <in.ndjson >out
  cmp in.ndjson out
  sluice transform -q --set 'n.w=a * 2' <in.ndjson >out
  expect_eq "$(cat out)" '{"a" : 64.0, "s":"caf\u00e9 \"q\"", "n":{"x":1e2,"y":[1, 2],"w":128}, "u":"Zoë", "z":null}'
  sluice transform -q --drop n.x,z --rename s=t <in.ndjson >out
  expect_eq "$(cat out)" '{"a" : 64.0, "t":"caf\u00e9 \"q\"", "n":{"y":[1, 2]}, "u":"Zoë"}'
  sluice transform -q --mask 'u' --null a --mask 's:keep-last=3' <in.ndjson >out
  expect_eq "$(cat out)" '{"a" : null, "s":"*****\"q\"", "n":{"x":1e2,"y":[1, 2]}, "u":"***", "z":null}'
  sluice transform -q --flatten --sep _ <in.ndjson >out
  expect_eq "$(cat out)" '{"a":64.0,"s":"caf\u00e9 \"q\"","n_x":1e2,"n_y":[1, 2],"u":"Zoë","z":null}'
  sluice transform -q --unwrap n <in.ndjson >out
  expect_eq "$(cat out)" '{"x":1e2,"y":[1, 2]}'
}

test_steps_apply_in_command_line_order() {
  echo '{"id":1,"op":"insert","ts":5,"after":{"n":2,"id":9,"email":"a@b.io note"}}' >in.ndjson
  sluice transform -q --set 'after.n=after.n + 1' --where 'after.n == 3' --rename after.n=after.m \
    --unwrap after --keep-meta --redact email <in.ndjson >out
  expect_eq "$(cat out)" '{"op":"insert","ts":5,"m":3,"id":9,"email":"[email] note"}'
  sluice transform -q --where 'after.n == 3' --set 'after.n=after.n + 1' <in.ndjson >out
  [ ! -s out ] || fail "the filter ran after the set"
}

test_assert_failures_are_bad_data_with_line_and_expression() {
  printf '%s\n' '{"a":1}' '{"a":2}' '{"a":-1}' '{"a":3}' >in.ndjson
  expect_exit 65 sluice transform --assert 'a > 0' <in.ndjson >out 2>err
  expect_contains err '^sluice transform: error: stdin:3: assertion failed: a > 0'
  expect_contains out '"abort":\{"exit":65,"stage":"transform"'
  sluice transform --assert 'a > 0' --on-error skip <in.ndjson >out 2>err
  expect_eq "$(events_of out | wc -l)" 3
  sluice transform -q --assert 'a > 0' --on-error dead-letter:bad.ndjson <in.ndjson >out
  expect_contains bad.ndjson '"line":3'
  expect_contains bad.ndjson 'assertion failed: a > 0'
  expect_exit 65 sluice transform --set 'b=a * "x"' <in.ndjson >out 2>err
  expect_contains err 'stdin:1: --set b=a \* "x": cannot multiply a number and a string'
}

test_a_parse_error_shows_a_caret_and_exits_2_before_reading() {
  # stdin never ends: the error must come before any read.
  expect_exit 2 timeout 10 "$SLUICE" transform --where 'after.amount > )' 2>err < <(sleep 30)
  expect_contains err "expected a value, found '\)' at column 16"
  expect_contains err '^  after.amount > \)$'
  expect_contains err '^                 \^'
  expect_exit 2 sluice transform --where 'nope(1)' </dev/null 2>err
  expect_contains err "unknown function 'nope'"
  expect_exit 2 sluice transform --where "matches(a, '(')" </dev/null 2>err
  expect_contains err 'invalid regular expression'
  expect_exit 2 sluice transform --select 'items[*].sku' </dev/null 2>err
  expect_contains err 'give it a name'
}

test_list_flags_repeat_and_split_on_commas_outside_brackets() {
  echo '{"a":1,"b":2,"x,y":3,"c":{"d":"4111 1111 1111 1111","e":"10.1.2.3"},"f":"k-42"}' >in.ndjson
  sluice transform -q --drop 'a,["x,y"]' --drop b --rename 'c.d=c.card,c.e=ip' \
    --mask 'c.card:keep-last=4' --redact ipv4 --redact 'k-\d+' <in.ndjson >out
  expect_eq "$(cat out)" '{"c":{"card":"***************1111"},"f":"[redacted]","ip":"[ipv4]"}'
  sluice transform -q --select 'a,n=["x,y"]' --select c.e <in.ndjson >out
  expect_eq "$(cat out)" '{"a":1,"n":3,"c":{"e":"10.1.2.3"}}'
}

test_settings_without_their_step_and_deep_expressions_are_usage_errors() {
  echo '{"a":1}' >in.ndjson
  expect_exit 2 sluice transform --keep-meta <in.ndjson 2>err
  expect_contains err '--keep-meta goes with --unwrap'
  expect_exit 2 sluice transform --sep _ <in.ndjson 2>err
  expect_contains err '--sep goes with --flatten'
  deep=$(python3 -c 'print("(" * 30000 + "a" + ")" * 30000)')
  expect_exit 2 sluice transform --where "$deep" <in.ndjson 2>err
  expect_contains err 'nested more than 64 levels deep'
  chain=$(python3 -c 'print("a" + " + 1" * 20000)')
  expect_exit 2 sluice transform --set "b=$chain" <in.ndjson 2>err
  expect_contains err 'more than 1000 operations deep'
}

# The bad-input corpus of the foundation, through transform.
make_bad_inputs() {
  g='{"ok":1}'
  printf '%s\n{"a":}\n%s\n' "$g" "$g" >malformed.ndjson
  printf '%s\n{"a":1} x\n%s\n' "$g" "$g" >trailing.ndjson
  printf '%s\n{"a":"\xff\xfe"}\n%s\n' "$g" "$g" >utf8.ndjson
  printf '%s\n{"a":"x\x00y"}\n%s\n' "$g" "$g" >nul.ndjson
  printf '%s\n[1,2]\n%s\n' "$g" "$g" >array.ndjson
  printf '%s\n{"a":\n' "$g" >cut.ndjson
  printf '%s\n{"$sluice":{"checkpoint":"x"}}\n%s\n' "$g" "$g" >control.ndjson
  python3 -c "import sys; sys.stdout.write('$g\n' + '{\"a\":' * 3000 + '1' + '}' * 3000 + '\n$g\n')" >deep.ndjson
  # Accepted by the shape check, refused by --strict:
  printf '%s\n{"a":01}\n%s\n' "$g" "$g" >number.ndjson
  printf '%s\n{"a":"\\q"}\n%s\n' "$g" "$g" >escape.ndjson
  printf '%s\n{"a":tru}\n%s\n' "$g" "$g" >literal.ndjson
}

test_bad_input_through_transform() {
  make_bad_inputs
  for f in malformed trailing utf8 nul array cut control deep; do
    expect_exit 65 sluice transform --where true <"$f.ndjson" >out 2>err
    expect_contains err "^sluice transform: error: stdin:2: "
    sluice transform --where true --on-error skip <"$f.ndjson" >out 2>err
    expect_eq "$(grep -c '"ok"' out)" "$(grep -c '"ok"' "$f.ndjson")" "$f: good lines kept"
  done
  printf '\xef\xbb\xbf{"a":1}\r\n\n{"b":2}' >variants.ndjson
  sluice transform -q <variants.ndjson >out
  printf '{"a":1}\n{"b":2}\n' | cmp - out
}

test_strict_where_true_exits_65_on_every_invalid_case() {
  make_bad_inputs
  for f in malformed trailing utf8 nul array cut control deep number escape literal; do
    expect_exit 65 sluice transform --strict --where true <"$f.ndjson" >out 2>err
  done
  for f in number escape literal; do
    sluice transform -q --where true <"$f.ndjson" >out || fail "$f is accepted without --strict"
  done
}

test_a_100mb_line_passes_or_is_bad_data_by_limit() {
  python3 -c "
import sys
sys.stdout.write('{\"small\":1}\n{\"big\":\"' + 'x' * (100 << 20) + '\",\"n\":1}\n{\"small\":2}\n')" >big.ndjson
  sluice transform -q --set 'k=len(big)' <big.ndjson >out
  expect_eq "$(jq -c '.k' out | tr '\n' ' ')" "null 104857600 null "
  expect_exit 65 sluice transform --max-line-size 1MiB <big.ndjson >/dev/null 2>err
  expect_contains err 'stdin:2: line longer than --max-line-size'
}

test_closed_stdout_and_head() {
  gen 100000 >in.ndjson
  expect_exit 74 sluice transform <in.ndjson 2>err >&-
  set +e
  sluice transform --where 'true' <in.ndjson 2>err | head -1 >/dev/null
  codes="${PIPESTATUS[*]}"
  set -e
  expect_eq "$codes" "0 0" "exit codes"
}

START='{"$sluice":{"start":{"source":"s","run":"r1","resume":null,"pos":null}}}'
BARRIER='{"$sluice":{"checkpoint":1,"source":"s","run":"r1","pos":7}}'
END='{"$sluice":{"end":{"checkpoint":1}}}'
SCHEMA='{"$sluice":{"schema":{"source":"s","table":"public.orders","columns":[{"name":"order_id","type":"bigint","key":true},{"name":"email","type":"text"},{"name":"amount","type":"numeric"},{"name":"meta","type":"jsonb"}]}}}'

test_control_records_pass_in_order() {
  {
    echo "$START"
    echo '{"a":1}'
    echo '{"$sluice":{"watermark":1732400000123}}'
    echo '{"a":2}'
    echo '{"$sluice":{"newkind":{"x":1}}}'
    echo "$BARRIER"
    echo "$SCHEMA"
    echo '{"a":3}'
    echo "$END"
  } >in.ndjson
  sluice transform -q --where 'a != 2' <in.ndjson >out
  grep -v '"a":2' in.ndjson | cmp - out
}

test_schema_records_are_rewritten_per_step() {
  printf '%s\n%s\n%s\n' "$START" "$SCHEMA" "$END" >in.ndjson
  schema_after() { sluice transform -q "$@" <in.ndjson | sed -n 2p | jq -c '.["$sluice"].schema.columns'; }
  expect_eq "$(schema_after --where 'op != "delete"')" \
    '[{"name":"order_id","type":"bigint","key":true},{"name":"email","type":"text"},{"name":"amount","type":"numeric"},{"name":"meta","type":"jsonb"}]'
  expect_eq "$(schema_after --drop after.meta,before.meta --hash after.email --unsalted)" \
    '[{"name":"order_id","type":"bigint","key":true},{"name":"email","type":"text"},{"name":"amount","type":"numeric"}]'
  expect_eq "$(schema_after --rename after.amount=after.total --set 'after.big=after.amount > 100')" \
    '[{"name":"order_id","type":"bigint","key":true},{"name":"email","type":"text"},{"name":"meta","type":"jsonb"},{"name":"total","type":"numeric"},{"name":"big","type":"boolean"}]'
  expect_eq "$(schema_after --mask after.amount --set 'after.tag=concat("x", after.email)')" \
    '[{"name":"order_id","type":"bigint","key":true},{"name":"email","type":"text"},{"name":"amount","type":"text"},{"name":"meta","type":"jsonb"},{"name":"tag","type":"text"}]'
  expect_eq "$(schema_after --select id,ts,amount=after.amount,key=after.order_id)" \
    '[{"name":"id","type":"text"},{"name":"ts","type":"bigint"},{"name":"amount","type":"numeric"},{"name":"key","type":"bigint","key":true}]'
  expect_eq "$(schema_after --unwrap after --keep-meta --flatten)" \
    '[{"name":"id","type":"text"},{"name":"op","type":"text"},{"name":"ts","type":"bigint"},{"name":"order_id","type":"bigint","key":true},{"name":"email","type":"text"},{"name":"amount","type":"numeric"},{"name":"meta","type":"jsonb"}]'
  # The rest of the record stays.
  sluice transform -q --drop after.meta <in.ndjson | sed -n 2p | jq -e '.["$sluice"].schema | .source == "s" and .table == "public.orders"' >/dev/null
}

test_abort_is_forwarded_with_its_code() {
  printf '%s\n{"a":1}\n%s\n{"a":2}\n' "$START" \
    '{"$sluice":{"abort":{"exit":69,"stage":"capture postgres","reason":"gone"}}}' >in.ndjson
  expect_exit 69 sluice transform --where 'a > 0' <in.ndjson >out 2>err
  expect_contains err 'stopped: upstream capture postgres exited 69'
  expect_contains out '"abort":\{"exit":69'
  [ "$(grep -c '"a":' out)" = 1 ] || fail "events after the abort went through"
  printf '%s\n{"a":1}\n' "$START" >cut.ndjson
  expect_exit 75 sluice transform <cut.ndjson >out 2>err
  expect_contains err 'without an end record'
}

test_generate_transform_sink_sqlite_pipeline() {
  export PII_KEY=pipeline-key
  sluice capture generate --count 5000 --checkpoint c.json -q \
    | sluice transform -q --where 'op != "delete"' --hash after.customer.email --hash-key-env PII_KEY \
        --set 'after.big=after.amount > 100' \
    | sluice sink sqlite t.db --table orders --upsert key.order_id --checkpoint c.json -q
  sluice capture generate --count 5000 --no-control -q | sluice transform -q --where 'op != "delete"' >kept.ndjson
  want=$(jq -r '.key.order_id' kept.ndjson | sort -u | wc -l)
  expect_eq "$(sqlite3 t.db 'SELECT count(*) FROM orders')" "$want" "rows"
  bad=$(sqlite3 t.db "SELECT count(*) FROM orders WHERE length(json_extract(customer, '\$.email')) != 64 OR (big = 1) != (amount > 100)")
  expect_eq "$bad" 0 "rows with a clear email or a wrong flag"
}

run_tests

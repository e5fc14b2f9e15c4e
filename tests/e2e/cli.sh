#!/usr/bin/env bash
# The command line: help, version, usage errors.
source "$(dirname "$0")/lib.sh"

test_help_lists_the_subcommands() {
  sluice --help >out
  expect_contains out 'capture'
  expect_contains out 'sink'
  for cmd in "capture generate" "capture file" "sink file" "sink sqlite"; do
    # shellcheck disable=SC2086
    sluice $cmd --help >out
    expect_contains out "Usage: sluice $cmd"
  done
}

test_version_names_revision_and_libraries() {
  sluice --version >out
  expect_contains out '^sluice [0-9]+\.[0-9]+\.[0-9]+ \(git [0-9a-f]+'
  expect_contains out 'simdjson 3\.'
  expect_contains out 'zstd 1\.'
  expect_contains out 'SQLite 3\.'
}

# usage_error ARGS…: exit 2 and exactly one line on stderr with a --help hint.
usage_error() {
  expect_exit 2 sluice "$@" </dev/null >out 2>err
  [ ! -s out ] || fail "stdout not empty for '$*'"
  [ "$(wc -l <err)" = 1 ] || { cat err >&2; fail "stderr of '$*' is not one line"; }
  expect_contains err "error: .*--help"
}

test_usage_errors_exit_2_with_one_line() {
  usage_error
  usage_error bogus
  usage_error capture
  usage_error capture bogus
  usage_error capture file --bogus
  usage_error capture generate --count x
  usage_error capture generate --dup-rate 2
  usage_error sink file
  usage_error sink sqlite db.sqlite
  usage_error sink file out.ndjson --linger forever
  usage_error sink file out.ndjson --on-error maybe
  usage_error capture file in.ndjson --max-line-size 12parsecs
  usage_error capture file in.ndjson --checkpoint-interval 0
}

test_unknown_command_is_named() {
  expect_exit 2 sluice bogus 2>err
  expect_contains err 'bogus'
}

run_tests

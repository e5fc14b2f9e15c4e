#!/usr/bin/env bash
# zsh and fish completions: generated from the flags, in step with completions/,
# valid for their shells, and offering every flag of --help.
source "$(dirname "$0")/lib.sh"
require_tool zsh fish python3

COMPLETIONS="$SLUICE_SOURCE_DIR/completions"

# Every leaf command and the flags its --help lists, one "cmd|flag" per line.
help_flags() {
  local leaf
  for leaf in $(sluice --help | awk '/^Subcommands:/{f=1;next} f&&NF{print $1}'); do
    local subs
    subs=$(sluice "$leaf" --help | awk '/^Subcommands:/{f=1;next} f&&NF{print $1}')
    for sub in ${subs:-""}; do
      # shellcheck disable=SC2086
      # the names column only (descriptions may mention -N or --x as text)
      sluice $leaf $sub --help | awk '/^ +-/{print $1}' | tr ',' '\n' \
        | grep -E '^--?[a-zA-Z]' | sort -u | sed "s/^/$leaf${sub:+ $sub}|/"
    done
  done
}

test_completion_files_are_the_command_output() {
  sluice completion zsh | cmp - "$COMPLETIONS/_sluice" \
    || fail "completions/_sluice lags behind 'sluice completion zsh'"
  sluice completion fish | cmp - "$COMPLETIONS/sluice.fish" \
    || fail "completions/sluice.fish lags behind 'sluice completion fish'"
}

test_zsh_and_fish_accept_the_scripts() {
  zsh -n "$COMPLETIONS/_sluice"
  fish -n "$COMPLETIONS/sluice.fish"
}

test_every_help_flag_is_in_the_zsh_and_fish_scripts() {
  help_flags >flags
  [ -s flags ] || fail "no flags found in --help"
  while IFS='|' read -r cmd flag; do
    grep -q -- "\"$cmd\")" "$COMPLETIONS/_sluice" || fail "zsh: no case for '$cmd'"
    grep -qE -- "(^|[{,' ])$flag(['\[,}]|$)" "$COMPLETIONS/_sluice" || fail "zsh: $cmd $flag missing"
    local name=${flag#-}
    name=${name#-}
    if [[ "$flag" == --* ]]; then
      grep -qE -- "-l $name( |$)" "$COMPLETIONS/sluice.fish" || fail "fish: $cmd $flag missing"
    else
      grep -qE -- "-s $name( |$)" "$COMPLETIONS/sluice.fish" || fail "fish: $cmd $flag missing"
    fi
  done <flags
}

# fish_complete LINE: what fish offers for LINE, first column, sorted, one line.
fish_complete() {
  fish -c "source '$COMPLETIONS/sluice.fish'; complete -C'$1'" | cut -f1 | sort | tr '\n' ' ' | sed 's/ $//'
}

test_fish_completes_subcommands_flags_and_values() {
  expect_eq "$(fish_complete 'sluice ca')" "capture" "sluice ca"
  expect_eq "$(fish_complete 'sluice sink ')" "file kafka postgres sqlite" "sluice sink"
  expect_eq "$(fish_complete 'sluice capture file --fo')" "--follow --format" "--fo"
  expect_eq "$(fish_complete 'sluice sink file --compress ')" "none zstd" "--compress values"
}

test_make_install_stages_binary_manuals_and_completions() {
  [ -n "${SLUICE_BUILD_DIR:-}" ] || exit 125
  DESTDIR="$PWD/stage" cmake --install "$SLUICE_BUILD_DIR" --prefix /usr >/dev/null
  local f
  for f in usr/bin/sluice usr/share/man/man1/sluice.1 usr/share/man/man1/sluice-capture.1 \
    usr/share/man/man7/sluice-events.7 usr/share/bash-completion/completions/sluice \
    usr/share/zsh/vendor-completions/_sluice usr/share/fish/vendor_completions.d/sluice.fish; do
    [ -f "stage/$f" ] || fail "make install did not stage $f"
  done
  stage/usr/bin/sluice --version >/dev/null
  [ "$(ls "$SLUICE_SOURCE_DIR"/man/*.1 | wc -l)" = "$(ls stage/usr/share/man/man1 | wc -l)" ] \
    || fail "not every manual was installed"
}

run_tests

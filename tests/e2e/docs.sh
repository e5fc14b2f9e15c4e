#!/usr/bin/env bash
# The documentation against the binary: man pages lint clean and name every
# flag of --help (and no flag that does not exist), the bash completion is the
# command's output and completes as it should, every ```sh block of README.md
# runs, and the exit codes agree everywhere.
source "$(dirname "$0")/lib.sh"
require_tool groff mandoc python3 sqlite3 cmp

MAN_DIR=$SLUICE_SOURCE_DIR/man
PAGES=(sluice.1 sluice-capture.1 sluice-sink.1 sluice-dedupe.1 sluice-reorder.1 sluice-transform.1 sluice-checkpoint.1 sluice-events.7)
COMPLETION=$SLUICE_SOURCE_DIR/completions/sluice.bash
EXIT_CODES="0 2 65 69 70 74 75 130 143"

# Python helpers: `docs_py COMMAND ARGS…` (see the dispatch at the end).
# Help is parsed from CLI11's layout: "Options:" and "Subcommands:" sections,
# entries indented by two spaces, descriptions in column 30 or on the next line.
read -r -d '' DOCS_PY <<'PY' || true
import os, re, subprocess, sys

SLUICE = os.environ["SLUICE"]
SRC = os.environ["SLUICE_SOURCE_DIR"]
MAN = os.path.join(SRC, "man")
errors = []

def err(msg):
    errors.append(msg)

def help_text(path):
    out = subprocess.run([SLUICE, *path, "--help"], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        sys.exit(f"sluice {' '.join(path)} --help exited {out.returncode}: {out.stderr}")
    return out.stdout

def parse_help(text):
    """Returns (options, subcommands); an option is a dict of names, type, default, choices."""
    options, subs, section = [], [], None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^([A-Z][A-Za-z ]*):$", line)
        if m:
            section = m.group(1)
            continue
        if not line.startswith("  ") or line.startswith("   "):
            continue
        if section == "Subcommands":
            subs.append(line.split()[0])
        if section != "Options" or not line[2:].startswith("-"):
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        spec = line.rstrip() if nxt.startswith(" " * 30) else line[:30].rstrip()
        spec = spec[2:]
        names = spec.split(" ")[0]
        rest = spec[len(names):].strip()
        t = re.match(r"^([A-Z][A-Z/]*)(?=[:= ]|$)", rest)
        d = re.search(r"=(\S+)$", rest)
        c = re.search(r"\{([^}]*)\}", rest)
        options.append({
            "names": names.split(","),
            "type": t.group(1) if t else None,
            "default": d.group(1) if d else None,
            "choices": c.group(1).split(",") if c else [],
        })
    return options, subs

def leaves(path=()):
    opts, subs = parse_help(help_text(list(path)))
    if path and not subs:
        return [tuple(path)]
    out = []
    for s in subs:
        out += leaves(tuple(path) + (s,))
    return out

def flags_of(path):
    return {n for o in parse_help(help_text(list(path)))[0] for n in o["names"]}

def page_lines(name):
    with open(os.path.join(MAN, name), encoding="utf-8") as f:
        return f.read().splitlines()

def split_by(lines, macro):
    """[(title, lines)] for each `.Sh`/`.Ss` block, in order."""
    out, title, cur = [], None, []
    for line in lines:
        if line.startswith(macro + " "):
            if title is not None:
                out.append((title, cur))
            title, cur = line[len(macro) + 1:].strip().strip('"'), []
        elif line.startswith(".Sh ") and macro == ".Ss":
            if title is not None:
                out.append((title, cur))
            title, cur = None, []
        elif title is not None:
            cur.append(line)
    if title is not None:
        out.append((title, cur))
    return out

def section(lines, name):
    for title, body in split_by(lines, ".Sh"):
        if title == name:
            return body
    return []

def subsection(lines, name):
    return [l for title, body in split_by(lines, ".Ss") if title == name for l in body]

MACRO = re.compile(r"^[A-Z][a-z][a-z]?$")

def fl(lines):
    """Flags written with .Fl on the macro lines: `.Fl -checkpoint` -> --checkpoint, `.Fl q` -> -q."""
    found = set()
    for line in lines:
        if not line.startswith("."):
            continue
        words = line[1:].split()
        for i, w in enumerate(words[:-1]):
            if w == "Fl" and not MACRO.match(words[i + 1]) and re.match(r"^-?[A-Za-z0-9]", words[i + 1]):
                found.add("-" + words[i + 1])
    return found

def item_of(lines, spelling):
    """The lines of the `.It` entry that introduces `spelling`, or None."""
    for i, line in enumerate(lines):
        if line.startswith(".It ") and spelling in fl([line]):
            body = [line]
            for nxt in lines[i + 1:]:
                if nxt.startswith(".It ") or nxt.startswith(".El"):
                    break
                body.append(nxt)
            return body
    return None

def has_word(text, word):
    return re.search(r"(?<![\w.-])" + re.escape(word) + r"(?![\w])", text) is not None

def check_options(path, page, own, common):
    """Every option of `sluice PATH --help` documented in own+common, with its type, default, choices."""
    label = " ".join(path) or "sluice"
    options = parse_help(help_text(list(path)))[0]
    real = {n for o in options for n in o["names"]}
    where = own + common
    documented = fl(where)
    for o in options:
        for n in o["names"]:
            if n not in documented:
                err(f"{page}: {label}: {n} of --help is not in its OPTIONS as .Fl {n[1:]}")
        item = next((item_of(where, n) for n in o["names"] if item_of(where, n)), None)
        if item is None:
            err(f"{page}: {label}: no .It entry introduces {','.join(o['names'])}")
            continue
        text = "\n".join(item)
        if o["type"] and not re.search(r"\bAr " + re.escape(o["type"]) + r"\b", item[0]):
            err(f"{page}: {label}: the entry of {o['names'][-1]} does not show its argument .Ar {o['type']}")
        if o["default"] and not has_word(text, o["default"]):
            err(f"{page}: {label}: the entry of {o['names'][-1]} does not give its default {o['default']}")
        for c in o["choices"]:
            if not has_word(text, c):
                err(f"{page}: {label}: the entry of {o['names'][-1]} does not name the choice {c}")
    for n in sorted(fl(own) - real):
        err(f"{page}: {label}: .Fl {n[1:]} in its section is not a flag of --help (stale)")
    for n in sorted(fl(common) - real):
        err(f"{page}: Common options: .Fl {n[1:]} is not a flag of '{label}' (stale)")
    return options

def cmd_leaf(words):
    path = tuple(words)
    page = f"sluice-{path[0]}.1"
    lines = page_lines(page)
    opts = section(lines, "OPTIONS")
    own = subsection(opts, " ".join(path))
    if not own and len(path) == 1:
        # A page of its own (sluice-dedupe.1): OPTIONS is the command's, up to any subsection.
        own = opts[:next((i for i, l in enumerate(opts) if l.startswith(".Ss ")), len(opts))]
    if not own:
        err(f"{page}: OPTIONS has no subsection '.Ss {' '.join(path)}'")
    options = check_options(path, page, own, subsection(opts, "Common options"))
    # Every .Fl in the page's sections about this subcommand (DESCRIPTION too) is real.
    real = {n for o in options for n in o["names"]}
    for n in sorted(fl(subsection(lines, " ".join(path))) - real):
        err(f"{page}: .Fl {n[1:]} in a section about '{' '.join(path)}' is not one of its flags")
    # The SYNOPSIS line of this subcommand: real flags only, every option but help.
    synopsis = section(lines, "SYNOPSIS")
    block, blocks = [], []
    for line in synopsis:
        if line.startswith(".Nm"):
            blocks.append(block)
            block = []
        block.append(line)
    blocks.append(block)
    mine = [b for b in blocks if f".Cm {' '.join(path[1:])}" in b or f".Cm {' '.join(path)}" in b]
    if not mine:
        err(f"{page}: SYNOPSIS has no line for '{' '.join(path)}'")
        return
    shown = set().union(*(fl(b) for b in mine))  # a command may have several forms
    for n in sorted(shown - real):
        err(f"{page}: SYNOPSIS of '{' '.join(path)}' shows {n}, which is not one of its flags")
    for o in options:
        if "--help" not in o["names"] and not shown & set(o["names"]):
            err(f"{page}: SYNOPSIS of '{' '.join(path)}' lacks {','.join(o['names'])}")

def cmd_root():
    lines = page_lines("sluice.1")
    check_options((), "sluice.1", section(lines, "OPTIONS"), [])

def cmd_subcommands():
    all_leaves = leaves()
    if len(all_leaves) < 4:
        err(f"only {len(all_leaves)} subcommands found in --help: {all_leaves}")
    main = page_lines("sluice.1")
    for path in all_leaves:
        name = " ".join(path)
        if not any(l.startswith(".It Cm " + name) for l in section(main, "DESCRIPTION")):
            err(f"sluice.1: the subcommand list lacks '.It Cm {name}'")
        page = f"sluice-{path[0]}.1"
        if not os.path.exists(os.path.join(MAN, page)):
            err(f"man/{page} is missing for '{name}'")
    for page in ("sluice-capture.1", "sluice-sink.1"):
        group = page[len("sluice-"):-2]
        known = {" ".join(p) for p in all_leaves if p[0] == group}
        for title, _ in split_by(section(page_lines(page), "OPTIONS"), ".Ss"):
            if title != "Common options" and title not in known:
                err(f"{page}: OPTIONS documents '{title}', which is not a subcommand")

def cmd_real_flags():
    everything = flags_of(())
    for path in leaves():
        everything |= flags_of(path)
    for page in sorted(os.listdir(MAN)):
        for n in sorted(fl(page_lines(page)) - everything):
            err(f"{page}: .Fl {n[1:]} is not a flag of any subcommand")

def cmd_sections():
    want1 = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "ENVIRONMENT", "EXIT STATUS", "EXAMPLES", "SEE ALSO"]
    want7 = ["NAME", "DESCRIPTION", "EXAMPLES", "SEE ALSO"]
    for page in sorted(os.listdir(MAN)):
        lines = page_lines(page)
        titles = [t for t, _ in split_by(lines, ".Sh")]
        want = want1 if page.endswith(".1") else want7
        if [t for t in titles if t in want] != want:
            err(f"{page}: sections {titles}, expected {want} in this order")
        name, sec = page.rsplit(".", 1)
        dt = [l for l in lines if l.startswith(".Dt ")]
        if dt != [f".Dt {name.upper()} {sec}"]:
            err(f"{page}: {dt} does not match the file name")
        for l in lines:
            m = re.match(r"^\.Xr (sluice\S*) (\d)", l)
            if m and not os.path.exists(os.path.join(MAN, f"{m.group(1)}.{m.group(2)}")):
                err(f"{page}: {l} names a page that does not exist")

def cmd_exit_codes(want):
    want = set(want.split())
    lines = page_lines("sluice.1")
    codes = set()
    for l in section(lines, "EXIT STATUS"):
        if l.startswith(".It "):
            codes |= set(re.findall(r"\b\d+\b", l))
    if codes != want:
        err(f"sluice.1 EXIT STATUS lists {sorted(codes, key=int)}, expected {sorted(want, key=int)}")
    if not any("RestartPreventExitStatus=2 65" in l for l in lines):
        err("sluice.1 lacks the systemd line RestartPreventExitStatus=2 65")
    for page in ("sluice-capture.1", "sluice-sink.1", "sluice-dedupe.1", "sluice-reorder.1",
                 "sluice-transform.1"):
        listed = set()
        for l in section(page_lines(page), "EXIT STATUS"):
            if l.startswith(".It "):
                listed |= set(re.findall(r"\b\d+\b", l))
        if not listed or not listed <= want:
            err(f"{page} EXIT STATUS lists {sorted(listed)}, not a subset of sluice.1's")
    with open(os.path.join(SRC, "src/core/error.hpp")) as f:
        code = set(re.findall(r"^\s*\w+ = (\d+),", f.read(), re.M))
    if code != want:
        err(f"src/core/error.hpp has exit codes {sorted(code, key=int)}, the docs {sorted(want, key=int)}")
    with open(os.path.join(SRC, "README.md"), encoding="utf-8") as f:
        readme = set()
        for row in re.findall(r"^\| ([\d, ]+) \|", f.read(), re.M):
            readme |= set(re.findall(r"\d+", row))
    if readme != want:
        err(f"README.md exit code table lists {sorted(readme, key=int)}, expected {sorted(want, key=int)}")

def cmd_readme_blocks(outdir):
    """Writes each ```sh block of README.md to OUTDIR/NN.sh (lines starting with make dropped)."""
    with open(os.path.join(SRC, "README.md"), encoding="utf-8") as f:
        text = f.read()
    blocks = re.findall(r"^```sh\n(.*?)^```$", text, re.M | re.S)
    for i, b in enumerate(blocks):
        kept = [l for l in b.splitlines() if not l.lstrip().startswith("make")]
        with open(os.path.join(outdir, f"{i:02d}.sh"), "w", encoding="utf-8") as f:
            f.write("\n".join(kept) + "\n")
    print(len(blocks))

def cmd_readme_links():
    with open(os.path.join(SRC, "README.md"), encoding="utf-8") as f:
        text = f.read()
    links = re.findall(r"\]\(([^)#]+)\)", text)
    for link in links:
        if "://" not in link and not os.path.exists(os.path.join(SRC, link)):
            err(f"README.md links to {link}, which does not exist")
    for page in os.listdir(MAN):
        if f"man/{page}" not in links:
            err(f"README.md does not link man/{page}")
    names = {" ".join(p) for p in leaves()}
    for m in re.findall(r"`sluice (capture \w+|sink \w+|transform)", text):
        if m not in names:
            err(f"README.md names 'sluice {m}', which is not a subcommand")
    for n in names:
        if f"`sluice {n}" not in text:
            err(f"README.md's subcommand table lacks 'sluice {n}'")

def cmd_help_flags(words):
    print(" ".join(sorted(flags_of(tuple(words)))))

def cmd_leaves():
    for p in leaves():
        print(" ".join(p))

cmd, args = sys.argv[1], sys.argv[2:]
{
    "leaf": lambda: cmd_leaf(args),
    "root": cmd_root,
    "subcommands": cmd_subcommands,
    "real-flags": cmd_real_flags,
    "sections": cmd_sections,
    "exit-codes": lambda: cmd_exit_codes(args[0]),
    "readme-blocks": lambda: cmd_readme_blocks(args[0]),
    "readme-links": cmd_readme_links,
    "help-flags": lambda: cmd_help_flags(args),
    "leaves": cmd_leaves,
}[cmd]()
for e in errors:
    print(e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY

docs_py() { SLUICE="$SLUICE" SLUICE_SOURCE_DIR="$SLUICE_SOURCE_DIR" python3 -c "$DOCS_PY" "$@"; }

# --- man pages -------------------------------------------------------------

test_man_pages_pass_groff_without_warnings() {
  local page out
  for page in "${PAGES[@]}"; do
    out=$(groff -mandoc -ww -z "$MAN_DIR/$page" 2>&1)
    [ -z "$out" ] || fail "groff -mandoc -ww -z $page: $out"
  done
}

test_man_pages_pass_mandoc_lint() {
  local page rc
  for page in "${PAGES[@]}"; do
    rc=0
    # stderr may carry notes about mandoc.db: only the status counts.
    mandoc -Tlint -Wwarning "$MAN_DIR/$page" >lint.out 2>&1 || rc=$?
    [ "$rc" = 0 ] || { cat lint.out >&2; fail "mandoc -Tlint -Wwarning $page exited $rc"; }
  done
}

test_man_pages_have_the_house_sections() {
  docs_py sections
}

test_every_subcommand_has_its_man_page_section() {
  docs_py subcommands
}

test_sluice_help_flags_are_in_sluice_1() {
  docs_py root
}

test_capture_generate_flags_match_the_man_page() {
  docs_py leaf capture generate
}

test_capture_file_flags_match_the_man_page() {
  docs_py leaf capture file
}

test_capture_kafka_flags_match_the_man_page() {
  docs_py leaf capture kafka
}

test_capture_postgres_flags_match_the_man_page() {
  docs_py leaf capture postgres
}

test_capture_poll_flags_match_the_man_page() {
  docs_py leaf capture poll
}

test_sink_postgres_flags_match_the_man_page() {
  docs_py leaf sink postgres
}

test_sink_kafka_flags_match_the_man_page() {
  docs_py leaf sink kafka
}

test_sink_file_flags_match_the_man_page() {
  docs_py leaf sink file
}

test_sink_sqlite_flags_match_the_man_page() {
  docs_py leaf sink sqlite
}

test_dedupe_flags_match_the_man_page() {
  docs_py leaf dedupe
}

test_reorder_flags_match_the_man_page() {
  docs_py leaf reorder
}

test_transform_flags_match_the_man_page() {
  docs_py leaf transform
}

test_checkpoint_show_flags_match_the_man_page() {
  docs_py leaf checkpoint show
}

test_checkpoint_set_flags_match_the_man_page() {
  docs_py leaf checkpoint set
}

test_checkpoint_reset_flags_match_the_man_page() {
  docs_py leaf checkpoint reset
}

test_man_pages_name_only_real_flags() {
  docs_py real-flags
}

test_exit_codes_agree_in_man_readme_and_code() {
  docs_py exit-codes "$EXIT_CODES"
}

# --- bash completion -------------------------------------------------------

test_completion_file_is_the_command_output() {
  [ -f "$COMPLETION" ] || fail "$COMPLETION is missing: sluice completion bash >completions/sluice.bash"
  sluice completion bash >generated.bash
  cmp generated.bash "$COMPLETION" || {
    diff -u "$COMPLETION" generated.bash >&2 || true
    fail "completions/sluice.bash lags behind 'sluice completion bash'"
  }
}

# complete LINE: what bash completion offers for LINE (a trailing space starts
# a new word), sorted, one line.
complete_line() {
  bash -c '
    source "$1"
    read -r -a COMP_WORDS <<<"$2"
    [[ "$2" == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=$2
    COMP_POINT=${#2}
    COMPREPLY=()
    _sluice
    printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"
  ' complete "$COMPLETION" "$1"
}

expect_completion() { # LINE EXPECTED
  expect_eq "$(complete_line "$1")" "$2" "completion of '$1'"
}

test_bash_completion_completes_subcommands_flags_and_values() {
  [ -f "$COMPLETION" ] || fail "$COMPLETION is missing"
  bash -c 'source "$1" && complete -p sluice' complete "$COMPLETION" | grep -q -- '-F _sluice sluice' \
    || fail "sourcing the script does not register _sluice for sluice"
  expect_completion "sluice ca" "capture"
  expect_completion "sluice " "capture checkpoint dedupe reorder sink transform"
  expect_completion "sluice checkpoint " "reset set show"
  expect_completion "sluice checkpoint show --format " "json table"
  expect_completion "sluice capture " "file generate kafka poll postgres"
  expect_completion "sluice sink " "file kafka postgres sqlite"
  expect_completion "sluice capture kafka --for" "--format"
  expect_completion "sluice capture kafka -t orders --format " "envelope value"
  expect_completion "sluice sink kafka --compress " "lz4 none zstd"
  expect_completion "sluice sink kafka --topic-" "--topic-from"
  expect_completion "sluice sink sqlite --up" "--upsert"
  expect_completion "sluice capture generate --dup" "--dup-rate"
  expect_completion "sluice capture generate --checkpoint-" "--checkpoint-interval"
  expect_completion "sluice capture file --format " "lines ndjson"
  expect_completion "sluice sink file --compress z" "zstd"
  expect_completion "sluice sink file out.zst --compress " "none zstd"
  expect_completion "sluice -" "--help --version -V -h"
  : >state.ckpt
  : >other.json
  expect_completion "sluice capture file --checkpoint " "other.json state.ckpt"
  expect_completion "sluice sink sqlite shop.db --checkpoint st" "state.ckpt"
  expect_completion "sluice capture file o" "other.json"
  expect_completion "sluice dedupe --max" "--max-keys --max-line-size"
  expect_completion "sluice reorder --on-full " "emit fail"
  expect_completion "sluice reorder --lateness 2s --gap" "--gap-timeout"
}

test_bash_completion_continues_after_a_boolean_flag() {
  [ -f "$COMPLETION" ] || fail "$COMPLETION is missing"
  # --raw, --strict, --no-control and -q take no value: the next word is free.
  expect_completion "sluice sink sqlite shop.db --raw --up" "--upsert"
  expect_completion "sluice capture file -q --for" "--format"
  expect_completion "sluice sink file out.ndjson --strict --compress " "none zstd"
  expect_completion "sluice capture kafka -e --met" "--meta --metrics"
  expect_completion "sluice dedupe --exact --reset-state --dup" "--duplicates"
}

test_completion_flags_are_the_help_flags() {
  [ -f "$COMPLETION" ] || fail "$COMPLETION is missing"
  local leaf want got
  while read -r leaf; do
    # shellcheck disable=SC2086
    want=$(docs_py help-flags $leaf)
    got=$(bash -c 'source "$1"; _sluice_flags "$2"' complete "$COMPLETION" "$leaf" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')
    expect_eq "$got" "$want" "completion flags of '$leaf'"
  done < <(docs_py leaves)
}

# --- README ------------------------------------------------------------------

test_readme_shell_blocks_run() {
  local n block dir rc
  mkdir blocks
  n=$(docs_py readme-blocks blocks)
  [ "$n" -ge 3 ] || fail "README.md has only $n \`\`\`sh blocks"
  for block in blocks/*.sh; do
    dir=$(mktemp -d "$PWD/run.XXXXXX")
    {
      echo 'set -euo pipefail'
      echo 'sluice() { timeout 60 "$SLUICE" "$@"; }'
      cat "$block"
    } >"$dir/script.sh"
    rc=0
    (cd "$dir" && SLUICE="$SLUICE" bash script.sh) >"$dir/out" 2>&1 || rc=$?
    if [ "$rc" != 0 ]; then
      sed 's/^/    | /' "$block" >&2
      sed 's/^/    > /' "$dir/out" >&2
      fail "README.md block $(basename "$block" .sh) exited $rc"
    fi
  done
}

test_readme_links_and_subcommands_are_real() {
  docs_py readme-links
}

run_tests

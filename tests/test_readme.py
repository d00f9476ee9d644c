"""The README tells the truth: its Python example runs as written, and its command summary is `--help`.

- Every ```python block of README.md runs, top to bottom, in an empty
  folder, twice (the second run finds its own outputs: ``force=True``).
  A bare expression carries a ``# -> repr`` comment, and that is what it
  really returns.
- The command summary (the ```sh block under "The command line") lists
  every option of every command, with the metavar that `--help` shows; an
  option shown as required is required, or the command has alternative
  forms; the arguments match.
- Commands quoted in docs/*.md use only options that exist.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest

from piramide import cli as piramide_cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


# --- the Python example ------------------------------------------------------------------------


def _claims(source: str) -> dict[int, str]:
    """Line number -> the repr after ``# -> `` on that line."""
    return {n: m.group(1).strip() for n, line in enumerate(source.splitlines(), 1) if (m := re.search(r"#\s*->\s*(.+)$", line))}


def _run_block(source: str) -> list[tuple[int, str, str]]:
    """Execute the block statement by statement; return (line, claimed, actual) of each ``# ->`` comment."""
    tree = ast.parse(source)
    claims = _claims(source)
    namespace: dict = {"__name__": "__readme__"}
    checked = []
    for node in tree.body:
        if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant):
            value = eval(compile(ast.Expression(node.value), "README.md", "eval"), namespace)
            is_print = isinstance(node.value, ast.Call) and getattr(node.value.func, "id", None) == "print"
            assert node.end_lineno in claims or is_print, (
                f"README python line {node.end_lineno}: a bare expression needs a '# -> repr' comment"
            )
            if node.end_lineno in claims:
                checked.append((node.end_lineno, claims[node.end_lineno], repr(value)))
        else:
            exec(compile(ast.Module([node], type_ignores=[]), "README.md", "exec"), namespace)
    return checked


def test_readme_has_a_python_example():
    """There is at least one ```python block, and it claims results."""
    blocks = _blocks(README, "python")
    assert blocks and any(_claims(b) for b in blocks)


@pytest.mark.parametrize("index", range(len(_blocks(README, "python"))))
def test_readme_python_runs_as_written_and_returns_what_it_says(index, tmp_path, monkeypatch):
    """The block runs in an empty folder, twice; each '# -> repr' comment is the real repr of its expression."""
    monkeypatch.chdir(tmp_path)
    source = _blocks(README, "python")[index]
    for _ in range(2):
        checked = _run_block(source)
        wrong = [(line, claimed, actual) for line, claimed, actual in checked if claimed != actual]
        assert wrong == []


def test_readme_python_uses_errors_from_piramide_errors():
    """The example imports library errors from piramide.errors and shows force=True."""
    source = "\n".join(_blocks(README, "python"))
    assert "from piramide.errors import" in source
    assert "force=True" in source


# --- the command summary -----------------------------------------------------------------------


def _summary_lines() -> list[str]:
    section = README[README.index("## The command line") :]
    block = _blocks(section, "sh")[0]
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.startswith("piramide")]


def _resolve(words: list[str]) -> tuple[list[str], click.Command, list[str]]:
    """The command path, the click command, and the remaining tokens of a summary line."""
    command: click.Command = piramide_cli.cli
    path: list[str] = []
    while words and isinstance(command, click.Group) and words[0] in command.commands:
        path.append(words[0])
        command = command.commands[words[0]]
        words = words[1:]
    return path, command, words


def _parse(tokens: list[str]) -> tuple[list[tuple[str, str | None, bool]], list[str]]:
    """Options (name, metavar or None, in brackets) and positional tokens of a summary line."""
    options, positionals = [], []
    i, depth = 0, 0
    while i < len(tokens):
        token = tokens[i]
        bracketed = depth > 0 or token.startswith("[")
        depth += token.count("[") - token.count("]")
        name = token.strip("[]")
        if name.startswith("-"):
            metavar = None
            if i + 1 < len(tokens) and not tokens[i + 1].lstrip("[").startswith("-") and not tokens[i + 1].startswith("["):
                nxt = tokens[i + 1]
                metavar = nxt.rstrip("]")
                depth += nxt.count("[") - nxt.count("]")
                i += 1
            options.append((name, metavar, bracketed))
        else:
            positionals.append(token)
        i += 1
    return options, positionals


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def _long_options(command: click.Command) -> dict[str, click.Option]:
    return {
        opt: param
        for param in command.params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt.startswith("--") and opt != "--help"
    }


def test_readme_summary_lists_every_command_and_option_of_the_cli():
    """Per command, the options in the README's summary are exactly the options of `--help`."""
    shown: dict[tuple[str, ...], set[str]] = {}
    for line in _summary_lines():
        path, command, rest = _resolve(line.split()[1:])
        options, _ = _parse(rest)
        shown.setdefault(tuple(path), set()).update(name for name, _, _ in options)
    actual = {path: set(_long_options(command)) for path, command in _commands(piramide_cli.cli)}
    actual[()] = set(_long_options(piramide_cli.cli))
    assert shown == actual


def test_readme_summary_shows_the_metavars_and_arguments_of_help():
    """Each option's value is named as `--help` names it; flags take none; arguments match in number and form."""
    problems = []
    for line in _summary_lines():
        path, command, rest = _resolve(line.split()[1:])
        options, positionals = _parse(rest)
        known = _long_options(command)
        for name, metavar, _ in options:
            param = known.get(name)
            if param is None:
                continue  # reported by the test above
            expected = None if param.is_flag else param.metavar
            if not param.is_flag and expected is None:
                problems.append(f"{line}: {name} has no metavar in the CLI; give it one (as the README shows it)")
            elif metavar != expected:
                problems.append(f"{line}: {name} {metavar or ''} but --help says {name} {expected or ''}")
        arguments = [p for p in command.params if isinstance(p, click.Argument)]
        if [p.metavar or p.name.upper() for p in arguments] != positionals:
            problems.append(f"{line}: arguments {positionals}, --help: {[p.metavar for p in arguments]}")
    assert problems == []


def test_readme_summary_marks_optional_options_optional():
    """An option outside brackets is required by the CLI, or the command has alternative forms (several lines)."""
    lines_per_command: dict[tuple[str, ...], int] = {}
    parsed = []
    for line in _summary_lines():
        path, command, rest = _resolve(line.split()[1:])
        lines_per_command[tuple(path)] = lines_per_command.get(tuple(path), 0) + 1
        parsed.append((line, tuple(path), command, _parse(rest)[0]))
    problems = []
    for line, path, command, options in parsed:
        known = _long_options(command)
        for name, _, bracketed in options:
            param = known.get(name)
            if param is None:
                continue
            if param.required and bracketed:
                problems.append(f"{line}: {name} is required but shown optional")
            if not bracketed and not param.required and lines_per_command[path] == 1 and path:
                problems.append(f"{line}: {name} is optional but shown required")
    assert problems == []


def test_every_option_in_the_docs_exists():
    """Commands quoted in docs/*.md and the README use only options their command has."""
    problems = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in _blocks(doc.read_text(encoding="utf-8"), "sh"):
            for line in block.splitlines():
                words = line.split("#")[0].split()
                if len(words) < 2 or words[0] not in ("piramide", ".venv/bin/piramide"):
                    continue
                path, command, rest = _resolve(words[1:])
                known = {opt for p in command.params for opt in p.opts} | {"--help", "-h"}
                for name, _, _ in _parse(rest)[0]:
                    if name.split("=")[0] not in known:
                        problems.append(f"{doc.name}: {line.strip()}: {name}")
    assert problems == []

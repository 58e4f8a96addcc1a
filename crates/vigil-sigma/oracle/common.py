"""Rule loading and conversion shared by `generate.py` and `oracle.py`.

Both scripts must agree on which rules exist, what each is called and whether the
pySigma SQLite backend can convert it, so that is decided here once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule


@dataclass
class LoadedRule:
    """One detection rule of a file, converted (or not) by the SQLite backend."""

    rule_id: str
    path: str
    rule: SigmaRule | None
    queries: list[str] = field(default_factory=list)
    required_fields: list[str] = field(default_factory=list)
    error: str | None = None


def rule_files(inputs: list[str]) -> list[Path]:
    """Every `.yml` file under the given files and directories, sorted (determinism)."""
    files: set[Path] = set()
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            files.update(path.rglob("*.yml"))
        else:
            files.add(path)
    return sorted(files)


def rule_key(rule, path: Path, index: int) -> str:
    """The identifier both sides use for a rule: its `id`, else `path#index`."""
    if rule is not None and getattr(rule, "id", None):
        return str(rule.id)
    return f"{path}#{index}"


def first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:300]


def load_rules(inputs: list[str]) -> list[LoadedRule]:
    """Loads and converts every detection rule (correlations and filters are not handled here).

    A rule pySigma cannot parse, or the backend cannot convert, is kept with its reason.
    """
    backend = sqliteBackend()
    loaded: list[LoadedRule] = []
    for path in rule_files(inputs):
        try:
            collection = SigmaCollection.from_yaml(path.read_text(encoding="utf-8"), collect_errors=True)
        except Exception as error:  # noqa: BLE001 - YAML errors of any kind become a reason
            loaded.append(LoadedRule(rule_key(None, path, 0), str(path), None, error=f"load: {first_line(error)}"))
            continue
        for index, rule in enumerate(collection.rules):
            if isinstance(rule, SigmaCorrelationRule) or not isinstance(rule, SigmaRule):
                continue
            item = LoadedRule(rule_key(rule, path, index), str(path), rule)
            if rule.errors:
                item.error = f"parse: {first_line(rule.errors[0])}"
                item.rule = None
                loaded.append(item)
                continue
            try:
                item.queries = [str(query) for query in backend.convert_rule(rule)]
                item.required_fields = backend.required_fields(rule)
            except Exception as error:  # noqa: BLE001 - any conversion failure is a reason
                item.error = f"convert: {first_line(error)}"
            if not item.error and not item.queries:
                item.error = "convert: no query"
            loaded.append(item)
    return loaded


def write_json_line(stream, value) -> None:
    stream.write(json.dumps(value, sort_keys=True, ensure_ascii=False) + "\n")

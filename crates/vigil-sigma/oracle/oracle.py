"""The differential-test oracle: Sigma rules run by pySigma's SQLite backend over NDJSON events.

    oracle.py detect --events events.ndjson RULES...   > oracle.ndjson
    oracle.py correlate --events events.ndjson RULES... > oracle.ndjson

`detect` converts every detection rule under RULES (files or directories) with the pySigma
SQLite backend and runs its SQL over a `logs` table holding the events, the way Zircolite
does (reference `sigma.md` §4):

* each JSON event is flattened into one row: nested keys joined with `.`, lists stored as
  Python's `str(list)`, booleans as `'true'`/`'false'`, JSON null as SQL NULL;
* columns are `TEXT COLLATE NOCASE`, or `INTEGER` when every value of the field is an integer;
  SQLite column names are case-insensitive, so keys differing only by case share a column
  (the first spelling seen names it; within one event the first key wins);
* a `regexp` function runs Python's `re.search`;
* fields a query references that no event has become all-NULL columns.

It prints JSON lines, sorted:

    {"rule": ID, "status": "converted"}                 every rule it ran
    {"rule": ID, "status": "unsupported", "reason": R}  every rule it could not convert or run
    {"rule": ID, "event": N}                            rule ID matched event N (0-based line)

`correlate` loads RULES as one collection (detection rules plus correlation rules referencing
them), runs the backend's correlation plans (`zircolite` format, sliding windows over a
`timestamp` column of ISO-8601 times) and prints, per alert,
`{"correlation": ID, "group": {field: value}, "events": [N…]}` (group values as the backend
reports them: lower-cased text; events by 0-based line), after one
`{"correlation": ID, "status": "converted", "diagnostics": {…}}` line per correlation (the
diagnostics count events it skipped, e.g. `missing_group_key`).
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from functools import lru_cache

from sigma.backends.sqlite import sqliteBackend
from sigma.backends.sqlite.runtime import execute_plan
from sigma.collection import SigmaCollection

from common import LoadedRule, first_line, load_rules, rule_files, write_json_line

TABLE = "logs"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def flatten(value: dict, prefix: str, row: dict) -> None:
    """Zircolite's flattening of one event into `row` (key -> SQL value)."""
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            flatten(item, f"{name}.", row)
        elif isinstance(item, list):
            row[name] = str(item)
        elif isinstance(item, bool):
            row[name] = "true" if item else "false"
        else:
            row[name] = item


class Table:
    """The `logs` table: rows of flattened events, columns merged case-insensitively."""

    def __init__(self) -> None:
        self.columns: dict[str, str] = {}  # lower-case name -> first spelling seen
        self.integer: dict[str, bool] = {}  # lower-case name -> every value is an int
        self.rows: list[dict[str, object]] = []  # lower-case name -> value

    def add(self, event: dict) -> None:
        flat: dict[str, object] = {}
        flatten(event, "", flat)
        row: dict[str, object] = {}
        for name, item in flat.items():
            lower = name.lower()
            if lower in row:
                continue  # same column twice in one event: the first key wins
            self.columns.setdefault(lower, name)
            row[lower] = item
            if item is not None:
                is_int = isinstance(item, int)
                self.integer[lower] = self.integer.get(lower, True) and is_int
        self.rows.append(row)

    def create(self, connection: sqlite3.Connection, referenced: set[str]) -> None:
        for field in referenced:
            lower = field.lower()
            if lower != "rowid":
                self.columns.setdefault(lower, field)
        names = sorted(self.columns)
        definitions = [
            f"{quote_identifier(self.columns[lower])} "
            + ("INTEGER" if self.integer.get(lower) else "TEXT COLLATE NOCASE")
            for lower in names
        ]
        connection.execute(f"CREATE TABLE {TABLE} ({', '.join(definitions) or 'placeholder TEXT'})")
        placeholders = ", ".join("?" for _ in range(len(names) + 1))
        column_list = ", ".join(["rowid", *(quote_identifier(self.columns[lower]) for lower in names)])
        connection.executemany(
            f"INSERT INTO {TABLE} ({column_list}) VALUES ({placeholders})",
            ([index + 1, *(row.get(lower) for lower in names)] for index, row in enumerate(self.rows)),
        )


@lru_cache(maxsize=4096)
def compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def regexp(pattern: str, value: object) -> bool:
    """SQLite calls `regexp(pattern, value)` for `value REGEXP pattern`."""
    if value is None or pattern is None:
        return False
    return compiled(pattern).search(str(value)) is not None


def connect() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    connection.create_function("regexp", 2, regexp, deterministic=True)
    return connection


def read_events(path: str) -> list[dict]:
    events = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if not line.strip():
                continue
            event = json.loads(line)
            if not isinstance(event, dict):
                raise SystemExit(f"error: {path}:{number + 1}: not a JSON object")
            events.append(event)
    return events


def detect(rules: list[LoadedRule], events: list[dict], out) -> None:
    table = Table()
    for event in events:
        table.add(event)
    referenced = {field for rule in rules for field in rule.required_fields}
    connection = connect()
    table.create(connection, referenced)

    statuses = []
    matches = set()
    for rule in rules:
        if rule.error:
            statuses.append({"rule": rule.rule_id, "status": "unsupported", "reason": rule.error})
            continue
        try:
            rows = set()
            for query in rule.queries:
                sql = query.replace(f"SELECT * FROM {TABLE} WHERE", f"SELECT rowid FROM {TABLE} WHERE", 1)
                rows.update(row[0] - 1 for row in connection.execute(sql))
        except Exception as error:  # noqa: BLE001 - a query SQLite refuses is a reason
            statuses.append({"rule": rule.rule_id, "status": "unsupported", "reason": f"sql: {first_line(error)}"})
            continue
        statuses.append({"rule": rule.rule_id, "status": "converted"})
        matches.update((rule.rule_id, row) for row in rows)

    for status in sorted(statuses, key=lambda s: s["rule"]):
        write_json_line(out, status)
    for rule_id, row in sorted(matches):
        write_json_line(out, {"rule": rule_id, "event": row})
    print(
        f"oracle: {len(rules)} rules, {sum(s['status'] == 'converted' for s in statuses)} converted, "
        f"{len(events)} events, {len(table.columns)} columns, {len(matches)} matches",
        file=sys.stderr,
    )


def correlate(inputs: list[str], events: list[dict], out) -> None:
    """Runs the backend's correlation plans (see the module documentation)."""
    text = "\n---\n".join(path.read_text(encoding="utf-8") for path in rule_files(inputs))
    collection = SigmaCollection.from_yaml(text)
    backend = sqliteBackend(event_id_field="rowid")
    # Converting the whole collection converts the referenced rules first, as the correlation
    # compiler needs; the zircolite format carries each correlation's executable plan.
    entries = json.loads(backend.convert(collection, output_format="zircolite"))
    plans = [entry for entry in entries if entry.get("correlation")]
    table = Table()
    for event in events:
        table.add(event)
    connection = connect()
    table.create(
        connection,
        {
            field
            for entry in plans
            for fields in entry["correlation_plan"]["required_fields"].values()
            for field in fields
        },
    )
    statuses = []
    alerts = []
    for entry in plans:
        rule_id = entry["id"] or entry["title"]
        rows, diagnostics = execute_plan(connection, entry["correlation_plan"], include_events=False)
        statuses.append({"correlation": rule_id, "status": "converted", "diagnostics": diagnostics})
        for row in rows:
            # Event ids are `<table>:<rowid>`; rowids are 1-based line numbers.
            indexes = [int(event_id.split(":", 1)[1]) - 1 for event_id in row["event_ids"]]
            alerts.append({"correlation": rule_id, "group": row["group_keys"], "events": indexes})
    for line in statuses + alerts:
        write_json_line(out, line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["detect", "correlate"])
    parser.add_argument("--events", required=True, help="NDJSON events, one object a line")
    parser.add_argument("rules", nargs="+", help="Sigma rule files or directories")
    arguments = parser.parse_args()
    events = read_events(arguments.events)
    if arguments.mode == "detect":
        detect(load_rules(arguments.rules), events, sys.stdout)
    else:
        correlate(arguments.rules, events, sys.stdout)


if __name__ == "__main__":
    main()

"""Rule-derived synthetic events for the differential test.

    generate.py --seed 7 --events events.ndjson --manifest manifest.ndjson RULES...

For every rule the pySigma SQLite backend can convert, events are built from pySigma's own
parsed detection (not from Vigil's): values that satisfy each detection item — plain values
with their wildcards instantiated, `contains`/`startswith`/`endswith` wrapped in random text,
an address inside a `cidr`, a string generated from simple `re` patterns (skipped when the
generated text does not match), numbers as JSON numbers or numeric strings, `null` as an
absent field or JSON null (and digit strings sometimes as JSON numbers), `exists`,
`fieldref`, `gt`/`lt`… Per rule:

* `positive`: up to three events satisfying the condition (random choices at each `or` /
  `1 of`, the searches under a `not` left out), each followed by
  `case_flip` (every string value with its case swapped) and
  `near_miss` (one value perturbed: a character replaced, or one added at either end; a
  number changed by one; a boolean flipped);
* `with_negated`: the searches under `not` satisfied as well (usually a non-match);
* `search:NAME`: each search identifier on its own, one event per alternative of a list of maps
  (at most four);
* `mixed:OTHER`: after all rules, `--mixed` (0.1) per positive event: a positive event of one
  rule merged with one of another rule (`OTHER`), so that several rules meet on one event.

Dotted field names are written as nested objects or as literal dotted keys, at random.

The events file holds only the events; the manifest holds, per line, which rule and which kind
produced event N (`{"event": N, "rule": ID, "kind": K}`), so the target rule is never part of the
event. The output depends only on the rules and `--seed`.
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import random
import re
import re._constants as sre_constants
import re._parser as sre_parse
import sys

from sigma.conditions import (
    ConditionAND,
    ConditionIdentifier,
    ConditionNOT,
    ConditionOR,
    ConditionSelector,
)
from sigma.rule import SigmaDetection, SigmaDetectionItem
from sigma.types import (
    CompareOperators,
    Placeholder,
    SigmaBool,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaString,
    SpecialChars,
)

from common import load_rules, write_json_line

ABSENT = object()  # the field must not be in the event
FILLER = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
MAX_ALTERNATIVES = 4
MAX_PLANS = 3


class Unsupported(Exception):
    """An item this generator cannot satisfy (keyword search, placeholder)."""


def filler(rng: random.Random, low: int = 0, high: int = 4) -> str:
    return "".join(rng.choice(FILLER) for _ in range(rng.randint(low, high)))


# --- values ------------------------------------------------------------------------------------


def instantiate(value: SigmaString, rng: random.Random) -> tuple[str, bool, bool]:
    """The text of a Sigma string with inner wildcards filled; also whether it starts/ends
    with `*` (those outer wildcards are left to the caller)."""
    parts = list(value.s)
    leading = bool(parts) and parts[0] == SpecialChars.WILDCARD_MULTI
    trailing = len(parts) > int(leading) and parts[-1] == SpecialChars.WILDCARD_MULTI
    if leading:
        parts = parts[1:]
    if trailing:
        parts = parts[:-1]
    text = []
    for part in parts:
        if part == SpecialChars.WILDCARD_MULTI:
            text.append(filler(rng, 0, 3))
        elif part == SpecialChars.WILDCARD_SINGLE:
            text.append(rng.choice(FILLER))
        elif isinstance(part, Placeholder):
            raise Unsupported(f"placeholder %{part.name}%")
        else:
            text.append(part)
    return "".join(text), leading, trailing


def combine_strings(values: list[SigmaString], extra: list[str], rng: random.Random) -> str:
    """One text satisfying every string pattern, with the `extra` texts (for unanchored regular
    expressions) somewhere inside (best effort: contradictory patterns do not)."""
    exact, prefixes, suffixes, middles = [], [], [], list(extra)
    for value in values:
        text, leading, trailing = instantiate(value, rng)
        if leading and trailing:
            middles.append(text)
        elif trailing:
            prefixes.append(text)
        elif leading:
            suffixes.append(text)
        else:
            exact.append(text)
    if exact:
        return exact[0]
    pieces = prefixes[:1]
    for middle in middles:
        pieces.append(filler(rng))
        pieces.append(middle)
    pieces.append(filler(rng))
    pieces.extend(suffixes[:1])
    if not prefixes:
        pieces.insert(0, filler(rng))
    return "".join(pieces)


def regex_text(pattern: str, flags: int, rng: random.Random) -> str | None:
    """A string `re.search(pattern)` accepts, for simple patterns; else None."""
    try:
        parsed = sre_parse.parse(pattern, flags)
    except Exception:  # noqa: BLE001
        return None
    groups: dict[int, str] = {}

    def category(name) -> str:
        return {
            sre_constants.CATEGORY_DIGIT: "7",
            sre_constants.CATEGORY_NOT_DIGIT: "k",
            sre_constants.CATEGORY_SPACE: " ",
            sre_constants.CATEGORY_NOT_SPACE: "k",
            sre_constants.CATEGORY_WORD: "k",
            sre_constants.CATEGORY_NOT_WORD: "-",
        }.get(name, "k")

    def one_of(items) -> str:
        if items and items[0][0] == sre_constants.NEGATE:
            excluded = re.compile(pattern_of(items))
            for candidate in "kQ7 -_/.":
                if excluded.fullmatch(candidate):
                    return candidate
            return "k"
        op, value = rng.choice(items)
        if op == sre_constants.LITERAL:
            return chr(value)
        if op == sre_constants.RANGE:
            return chr(rng.randint(value[0], value[1]))
        if op == sre_constants.CATEGORY:
            return category(value)
        return "k"

    def pattern_of(items) -> str:
        # Rebuilds the character class to test candidates against it.
        body = []
        for op, value in items:
            if op == sre_constants.NEGATE:
                body.append("^")
            elif op == sre_constants.LITERAL:
                body.append(re.escape(chr(value)))
            elif op == sre_constants.RANGE:
                body.append(f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}")
            elif op == sre_constants.CATEGORY:
                body.append({sre_constants.CATEGORY_DIGIT: r"\d", sre_constants.CATEGORY_NOT_DIGIT: r"\D",
                             sre_constants.CATEGORY_SPACE: r"\s", sre_constants.CATEGORY_NOT_SPACE: r"\S",
                             sre_constants.CATEGORY_WORD: r"\w", sre_constants.CATEGORY_NOT_WORD: r"\W"}.get(value, ""))
        return "[" + "".join(body) + "]"

    def walk(items) -> str:
        out = []
        for op, value in items:
            if op == sre_constants.LITERAL:
                out.append(chr(value))
            elif op == sre_constants.NOT_LITERAL:
                out.append("k" if chr(value) != "k" else "q")
            elif op == sre_constants.ANY:
                out.append("k")
            elif op == sre_constants.IN:
                out.append(one_of(value))
            elif op == sre_constants.BRANCH:
                out.append(walk(rng.choice(value[1])))
            elif op == sre_constants.SUBPATTERN:
                text = walk(value[3])
                if value[0] is not None:
                    groups[value[0]] = text
                out.append(text)
            elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
                low, high, body = value
                high = low + 2 if high == sre_constants.MAXREPEAT else high
                count = rng.randint(low, min(high, low + 2))
                out.extend(walk(body) for _ in range(count))
            elif op == sre_constants.AT:
                continue
            elif op == sre_constants.CATEGORY:
                out.append(category(value))
            elif op == sre_constants.GROUPREF:
                out.append(groups.get(value, ""))
            elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
                continue
            else:
                raise ValueError(op)
        return "".join(out)

    try:
        text = walk(parsed)
    except (ValueError, IndexError):
        return None
    return text if re.search(pattern, text, flags) else None


def regex_value(value: SigmaRegularExpression, rng: random.Random) -> str:
    flags = 0
    for flag in value.flags:
        flags |= SigmaRegularExpression.sigma_to_python_flags[flag]
    text = regex_text(str(value.regexp), flags, rng)
    if text is None:
        raise Unsupported(f"regex {value.regexp}")
    return text


def resolve(constraints: list, rng: random.Random):
    """A field value satisfying `constraints` (all Sigma values of one field), or ABSENT."""
    strings = [c for c in constraints if isinstance(c, SigmaString)]
    others = [c for c in constraints if not isinstance(c, SigmaString)]
    if strings and not any(isinstance(c, (SigmaNull, SigmaExists)) for c in others):
        extra = [regex_value(c, rng) for c in others if isinstance(c, SigmaRegularExpression)]
        text = combine_strings(strings, extra, rng)
        # Digits written as a string in the rule sometimes arrive as a JSON number.
        canonical = text.isascii() and text.isdigit() and (text == "0" or not text.startswith("0"))
        if canonical and len(text) < 18 and rng.random() < 0.3:
            return int(text)
        return text
    regexes = [c for c in others if isinstance(c, SigmaRegularExpression)]
    if len(regexes) > 1 and len(regexes) == len(others):
        return " ".join(regex_value(c, rng) for c in regexes)
    value = others[0]
    if isinstance(value, SigmaNull):
        return None if rng.random() < 0.3 else ABSENT
    if isinstance(value, SigmaExists):
        return filler(rng, 1, 6) if value.exists else ABSENT
    if isinstance(value, SigmaBool):
        return value.boolean
    if isinstance(value, SigmaCompareExpression):
        number = value.number.number
        step = {CompareOperators.LT: -1, CompareOperators.GT: 1}.get(value.op, 0)
        return number + step
    if isinstance(value, SigmaNumber):
        number = value.number
        if isinstance(number, int) and rng.random() < 0.4:
            return str(number)
        return number
    if isinstance(value, SigmaCIDRExpression):
        network = value.network
        offset = rng.randrange(min(network.num_addresses, 1 << 16))
        return str(ipaddress.ip_address(int(network.network_address) + offset))
    if isinstance(value, SigmaRegularExpression):
        return regex_value(value, rng)
    raise Unsupported(type(value).__name__)


# --- detections --------------------------------------------------------------------------------


def pick_value(value, rng: random.Random):
    while isinstance(value, SigmaExpansion):
        value = rng.choice(value.values)
    return value


def item_constraints(item: SigmaDetectionItem, rng: random.Random) -> list[tuple[str, object]]:
    if item.field is None:
        raise Unsupported("keyword search")
    values = list(item.value)
    if item.value_linking is ConditionAND:
        chosen = [pick_value(value, rng) for value in values]
    else:
        chosen = [pick_value(rng.choice(values), rng)]
    return [(item.field, value) for value in chosen]


def detection_constraints(detection, rng: random.Random, alternative: int | None = None):
    """(field, Sigma value) pairs satisfying a search, choosing at random at each OR."""
    if isinstance(detection, SigmaDetectionItem):
        return item_constraints(detection, rng)
    children = detection.detection_items
    if detection.item_linking is ConditionAND:
        return [pair for child in children for pair in detection_constraints(child, rng)]
    child = children[alternative % len(children)] if alternative is not None else rng.choice(children)
    return detection_constraints(child, rng)


def alternatives(detection: SigmaDetection) -> int:
    if detection.item_linking is ConditionOR:
        return min(len(detection.detection_items), MAX_ALTERNATIVES)
    return 1


def plan(node, detections, rng: random.Random, positive: bool, wanted: set, negated: set) -> None:
    """Chooses the searches to satisfy (`wanted`) so that the condition holds when `positive`."""
    if isinstance(node, ConditionIdentifier):
        (wanted if positive else negated).add(node.identifier)
        return
    if isinstance(node, ConditionSelector):
        identifiers = node.resolve_referenced_detections(detections)
        if not identifiers:
            return
        node = node.cond_class(identifiers)
    if isinstance(node, ConditionNOT):
        plan(node.args[0], detections, rng, not positive, wanted, negated)
        return
    conjunction = isinstance(node, ConditionAND) == positive
    if conjunction:
        for child in node.args:
            plan(child, detections, rng, positive, wanted, negated)
    else:
        plan(rng.choice(node.args), detections, rng, positive, wanted, negated)


def place(event: dict, field: str, value, nested: bool) -> None:
    """Writes `field` (dotted paths nested or literal) into `event`."""
    if nested and "." in field:
        parts = field.split(".")
        target = event
        for part in parts[:-1]:
            child = target.get(part)
            if child is None:
                child = target[part] = {}
            if not isinstance(child, dict):
                event[field] = value
                return
            target = child
        if parts[-1] in target and isinstance(target[parts[-1]], dict):
            event[field] = value
            return
        target[parts[-1]] = value
        return
    if field in event and isinstance(event[field], dict):
        return
    event[field] = value


def build_event(constraints: list[tuple[str, object]], rng: random.Random) -> dict:
    by_field: dict[str, list] = {}
    for field, value in constraints:
        by_field.setdefault(field, []).append(value)
    values: dict[str, object] = {}
    references: list[tuple[str, SigmaFieldReference]] = []
    for field, field_constraints in by_field.items():
        reference = next((c for c in field_constraints if isinstance(c, SigmaFieldReference)), None)
        if reference is not None:
            references.append((field, reference))
            continue
        values[field] = resolve(field_constraints, rng)
    for field, reference in references:
        other = values.get(reference.field)
        if not isinstance(other, str):
            other = filler(rng, 2, 6)
            values[reference.field] = other
        text = other
        if reference.starts_with:
            text = other + filler(rng, 1, 3)
        elif reference.ends_with:
            text = filler(rng, 1, 3) + other
        values[field] = text
    event: dict = {}
    nested = rng.random() < 0.5
    for field in sorted(values):
        if values[field] is not ABSENT:
            place(event, field, values[field], nested)
    return event


def case_flip(value):
    if isinstance(value, str):
        return value.swapcase()
    if isinstance(value, dict):
        return {key: case_flip(item) for key, item in value.items()}
    if isinstance(value, list):
        return [case_flip(item) for item in value]
    return value


def leaves(event: dict, path=()):
    for key, value in event.items():
        if isinstance(value, dict):
            yield from leaves(value, (*path, key))
        else:
            yield (*path, key), value


def near_miss(event: dict, rng: random.Random) -> dict | None:
    """A copy of `event` with one value changed slightly, or None when nothing can change."""
    candidates = [(path, value) for path, value in leaves(event) if value is not None]
    if not candidates:
        return None
    path, value = rng.choice(candidates)
    if isinstance(value, bool):
        changed = not value
    elif isinstance(value, (int, float)):
        changed = value + 1
    elif value == "":
        changed = "x"
    elif rng.random() < 0.5:
        # One character more at either end: tests anchoring (exact vs startswith/endswith).
        changed = value + "q" if rng.random() < 0.5 else "q" + value
    else:
        position = rng.randrange(len(value))
        original = value[position]
        replacement = "q" if original.lower() != "q" else "z"
        if original.isdigit():
            replacement = "0" if original != "0" else "1"
        changed = value[:position] + replacement + value[position + 1 :]
    copy = json.loads(json.dumps(event))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = changed
    return copy


def null_fields(detection) -> set[str]:
    """Fields a search tests for null, absence or the empty string."""
    if isinstance(detection, SigmaDetectionItem):
        empty = any(
            isinstance(value, SigmaNull)
            or (isinstance(value, SigmaExists) and not value.exists)
            or (isinstance(value, SigmaString) and value == SigmaString(""))
            for value in detection.value
        )
        return {detection.field} if empty and detection.field else set()
    return set().union(*(null_fields(child) for child in detection.detection_items))


def has_field(event: dict, field: str) -> bool:
    if field in event:
        return True
    head, _, rest = field.partition(".")
    return bool(rest) and isinstance(event.get(head), dict) and has_field(event[head], rest)


def fill_negated_nulls(event: dict, negated: set, detections, rng: random.Random) -> None:
    """Gives a value to fields that a negated search tests for null or emptiness (the usual
    `filter_optional_null: Field: null`), so the positive event does not trip the filter by
    lacking them."""
    for name in sorted(negated):
        for field in sorted(null_fields(detections.detections[name])):
            if not has_field(event, field):
                place(event, field, filler(rng, 3, 6), False)


def rule_events(rule, rng: random.Random) -> list[tuple[str, dict]]:
    detections = rule.detection
    events: list[tuple[str, dict]] = []

    def search_constraints(names: set) -> list:
        pairs = []
        for name in sorted(names):
            pairs.extend(detection_constraints(detections.detections[name], rng))
        return pairs

    conditions = [condition.parse(postprocess=False) for condition in detections.parsed_condition]
    positives = 0
    for _ in range(MAX_PLANS * 2):
        if positives >= MAX_PLANS:
            break
        wanted: set = set()
        negated: set = set()
        plan(rng.choice(conditions), detections, rng, True, wanted, negated)
        try:
            positive = build_event(search_constraints(wanted), rng)
        except Unsupported:
            continue
        fill_negated_nulls(positive, negated, detections, rng)
        if any(json.dumps(event, sort_keys=True) == json.dumps(positive, sort_keys=True) for _, event in events):
            continue
        positives += 1
        events.append(("positive", positive))
        events.append(("case_flip", case_flip(positive)))
        miss = near_miss(positive, rng)
        if miss is not None:
            events.append(("near_miss", miss))
        if negated:
            try:
                events.append(("with_negated", build_event(search_constraints(wanted | negated), rng)))
            except Unsupported:
                pass
    for name, detection in detections.detections.items():
        for alternative in range(alternatives(detection)):
            try:
                events.append((f"search:{name}", build_event(detection_constraints(detection, rng, alternative), rng)))
            except Unsupported:
                continue
    unique = []
    seen = set()
    for kind, event in events:
        text = json.dumps(event, sort_keys=True)
        if text not in seen:
            seen.add(text)
            unique.append((kind, event))
    return unique


def merge(first: dict, second: dict) -> dict:
    """`first` with the keys of `second` it lacks (nested objects merged the same way)."""
    merged = json.loads(json.dumps(first))
    for key, value in second.items():
        if key not in merged:
            merged[key] = value
        elif isinstance(merged[key], dict) and isinstance(value, dict):
            merged[key] = merge(merged[key], value)
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mixed", type=float, default=0.1, help="mixed events per positive")
    parser.add_argument("--events", required=True, help="NDJSON output: the events")
    parser.add_argument("--manifest", required=True, help="NDJSON output: rule and kind of each event")
    parser.add_argument("rules", nargs="+", help="Sigma rule files or directories")
    arguments = parser.parse_args()

    produced: list[tuple[str, str, dict]] = []
    skipped = 0
    for loaded in load_rules(arguments.rules):
        if loaded.error or loaded.rule is None:
            continue
        digest = hashlib.sha256(f"{arguments.seed}:{loaded.rule_id}".encode()).digest()
        rng = random.Random(int.from_bytes(digest[:8], "little"))
        events = rule_events(loaded.rule, rng)
        if not events:
            skipped += 1
        produced.extend((loaded.rule_id, kind, event) for kind, event in events)

    # Mixed events: two rules' positive events in one, so that several rules match (or
    # exclude each other) on the same event.
    rng = random.Random(arguments.seed)
    positives = [(rule_id, event) for rule_id, kind, event in produced if kind == "positive"]
    for _ in range(int(len(positives) * arguments.mixed)):
        (first_rule, first), (second_rule, second) = rng.sample(positives, 2)
        produced.append((first_rule, f"mixed:{second_rule}", merge(first, second)))

    with open(arguments.events, "w", encoding="utf-8") as events, open(
        arguments.manifest, "w", encoding="utf-8"
    ) as manifest:
        for index, (rule_id, kind, event) in enumerate(produced):
            write_json_line(events, event)
            write_json_line(manifest, {"event": index, "rule": rule_id, "kind": kind})
    print(f"generate: {len(produced)} events, {skipped} convertible rules without events", file=sys.stderr)


if __name__ == "__main__":
    main()

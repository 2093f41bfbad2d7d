"""`werkhelpdesk flows stamp`: write `Node.nl_hash()` into `review: <lang>:` by editing the YAML text in place, so
staff formatting stays; a file that does not parse back to the expected data is left untouched and reported."""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.flows.model import Flow
from bot.flows.status import SOURCE_LANGUAGE, STATUS_LANGUAGES

# The translation languages in the order the flow files list them under `review:`.
TRANSLATION_LANGUAGES = tuple(lang for lang in STATUS_LANGUAGES if lang != SOURCE_LANGUAGE)


class StampError(ValueError):
    """Wrong arguments: an unknown language or flow."""


class _Skip(Exception):
    """This file cannot be stamped; the message says why."""


_CHECK = "the file has errors (run `werkhelpdesk flows check`)"


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str
    seq: int


def _scalar(value: str) -> str:
    """`value` as a YAML scalar: plain when it reads back as the same string, else single-quoted. Digits only
    are quoted too: PyYAML reads 0123456789 as a string, other YAML tools as a number."""
    try:
        plain_ok = yaml.safe_load(value) == value and not value.isdigit()
    except yaml.YAMLError:
        plain_ok = False
    return value if plain_ok else "'" + value.replace("'", "''") + "'"


def _get(mapping: yaml.Node, key: str) -> tuple[yaml.ScalarNode, yaml.Node] | None:
    if not isinstance(mapping, yaml.MappingNode):
        raise _Skip("unexpected structure")
    found = [(k, v) for k, v in mapping.value if isinstance(k, yaml.ScalarNode) and k.value == key]
    if len(found) > 1:
        raise _Skip(_CHECK)
    return found[0] if found else None


def _last_leaf(node: yaml.Node) -> yaml.Node:
    """The last scalar or flow collection inside a block collection: its end mark is exact, while a block
    collection's end mark lies at the next token (after any comments and blank lines)."""
    while isinstance(node, yaml.CollectionNode) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node


def _line_end(text: str, node: yaml.Node) -> int:
    """Where a new line goes after `node` (a block value): the start of the line after it."""
    end = _last_leaf(node).end_mark.index
    if end > 0 and text[end - 1] == "\n":  # a block scalar ends at the start of the next line
        return end
    newline = text.find("\n", end)
    return len(text) if newline < 0 else newline + 1


def _lines_after(text: str, node: yaml.Node, lines: list[str], newline: str, seq: int) -> _Edit:
    at = _line_end(text, node)
    prefix = newline if at == len(text) and text and not text.endswith("\n") else ""
    return _Edit(at, at, prefix + "".join(line + newline for line in lines), seq)


def _flow_append(mapping: yaml.MappingNode, entry: str, seq: int, after: yaml.Node | None = None) -> _Edit:
    """Add `entry` (`key: value`) to a flow mapping `{...}`, after the value `after` (default: the last)."""
    if after is None and mapping.value:
        after = mapping.value[-1][1]
    if after is None:
        at = mapping.start_mark.index + 1  # just inside the `{` of an empty mapping
        return _Edit(at, at, entry, seq)
    return _Edit(after.end_mark.index, after.end_mark.index, ", " + entry, seq)


def _add_entries(text: str, mapping: yaml.MappingNode, entries: list[str], newline: str, seq: int) -> _Edit:
    """Add `key: value` entries at the end of a non-empty mapping, in its own style (flow or block)."""
    if mapping.flow_style:
        return _flow_append(mapping, ", ".join(entries), seq)
    indent = " " * mapping.value[0][0].start_mark.column
    return _lines_after(text, mapping, [indent + e for e in entries], newline, seq)


def _count_ids(node: yaml.Node, counts: dict[int, int]) -> None:
    counts[id(node)] = counts.get(id(node), 0) + 1
    if counts[id(node)] > 1:
        return
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _count_ids(key, counts)
            _count_ids(value, counts)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _count_ids(item, counts)


def _plan_node(
    text: str,
    node_map: yaml.Node,
    stamps: list[str],
    nl_hash: str,
    newline: str,
    shared: set[int],
    seq: int,
) -> list[_Edit]:
    """The edits that write `nl_hash` for the languages `stamps` into one node's `review`."""
    edits: list[_Edit] = []
    if not isinstance(node_map, yaml.MappingNode) or id(node_map) in shared:
        raise _Skip("unexpected structure (YAML anchors?)")
    review_item = _get(node_map, "review")
    missing: list[str] = []
    for lang in stamps:
        entry = _get(review_item[1], lang) if review_item is not None else None
        if entry is None:
            missing.append(lang)
            continue
        lang_map = entry[1]
        if not isinstance(lang_map, yaml.MappingNode) or id(lang_map) in shared:
            raise _Skip(f"review {lang} is not a mapping (or uses YAML anchors)")
        hash_item = _get(lang_map, "nl_hash")
        if hash_item is not None:
            value = hash_item[1]
            start, end = value.start_mark.index, value.end_mark.index
            new = _scalar(nl_hash)
            if start == end and text[start - 1 : start] == ":":
                new = " " + new  # `nl_hash:` without a value
            edits.append(_Edit(start, end, new, seq + len(edits)))
        else:
            edits.append(_add_entries(text, lang_map, [f"nl_hash: {_scalar(nl_hash)}"], newline, seq + len(edits)))
    if not missing:
        return edits
    entries = [f"{lang}: {{reviewed: false, nl_hash: {_scalar(nl_hash)}}}" for lang in missing]
    if review_item is not None:
        review = review_item[1]
        if not isinstance(review, yaml.MappingNode) or id(review) in shared:
            raise _Skip("review is not a mapping (or uses YAML anchors)")
        return [*edits, _add_entries(text, review, entries, newline, seq + len(edits))]
    text_item = _get(node_map, "text")
    if text_item is None:
        raise _Skip("a node has no text")
    text_key, text_value = text_item
    if node_map.flow_style:
        review_entry = "review: {" + ", ".join(entries) + "}"
        edits.append(_flow_append(node_map, review_entry, seq + len(edits), after=text_value))
        return edits
    indent = " " * text_key.start_mark.column
    step = 2
    if isinstance(text_value, yaml.MappingNode) and not text_value.flow_style and text_value.value:
        step = max(1, text_value.value[0][0].start_mark.column - text_key.start_mark.column)
    lines = [f"{indent}review:", *(indent + " " * step + e for e in entries)]
    edits.append(_lines_after(text, text_value, lines, newline, seq + len(edits)))
    return edits


def _apply(text: str, edits: list[_Edit]) -> str:
    # From the end backwards so earlier positions stay valid; at one position the edit planned last is
    # applied first, which leaves the edits in planned order in the text.
    for edit in sorted(edits, key=lambda e: (e.start, e.seq), reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def _stamp_text(
    text: str, languages: Sequence[str], only_missing: bool
) -> tuple[str, list[tuple[str, str]], dict[str, Any]]:
    """The stamped text, the (node, lang) pairs stamped, and the data the new text must load as."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
        flow = Flow.model_validate(data)  # not a mapping (an empty file included): a ValidationError
    except (yaml.YAMLError, ValidationError) as exc:
        raise _Skip(_CHECK) from exc
    assert root is not None
    counts: dict[int, int] = {}
    _count_ids(root, counts)
    shared = {key for key, n in counts.items() if n > 1}
    nodes_item = _get(root, "nodes")
    if nodes_item is None:
        raise _Skip("it has no nodes")
    newline = "\r\n" if "\r\n" in text else "\n"
    expected = copy.deepcopy(data)
    edits: list[_Edit] = []
    stamped: list[tuple[str, str]] = []
    for node_id, node in flow.nodes.items():
        current = node.nl_hash()
        stamps = []
        for lang in languages:
            if not node.text.get(lang, "").strip():
                continue  # nothing translated yet: nothing to stamp
            review = node.review.get(lang)
            old = review.nl_hash if review is not None else None
            if old == current or (only_missing and old is not None):
                continue
            stamps.append(lang)
        if not stamps:
            continue
        item = _get(nodes_item[1], node_id)
        if item is None:
            raise _Skip(f"node '{node_id}' not found")
        edits += _plan_node(text, item[1], stamps, current, newline, shared, len(edits))
        node_data = expected["nodes"][node_id]
        review_data = node_data.setdefault("review", {})
        for lang in stamps:
            review_data.setdefault(lang, {"reviewed": False})["nl_hash"] = current
            stamped.append((node_id, lang))
    return _apply(text, edits), stamped, expected


def _reload(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def _write(path: Path, content: bytes) -> None:
    """Replace the file in one step, so the bot's file watcher never reads half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fp:
            fp.write(content)
        shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _flow_paths(flows_dir: Path, flows: Sequence[str] | None) -> list[Path]:
    if flows is None:
        return sorted(flows_dir.glob("*.yml"))
    paths = []
    for name in flows:
        flow_id = Path(name).stem if name.endswith(".yml") else name
        path = flows_dir / f"{flow_id}.yml"
        if not path.is_file():
            raise StampError(f"there is no flow '{name}' ({path} does not exist)")
        paths.append(path)
    return paths


def stamp(
    flows_dir: Path,
    *,
    languages: Sequence[str],
    flows: Sequence[str] | None = None,
    only_missing: bool = False,
) -> list[str]:
    """Mark the translations in `languages` of every node in `flows` (flow ids; default all) as made from the
    current Dutch text. With `only_missing`, only translations without an `nl_hash` are stamped. Nodes without
    a text in a language are left alone. Returns one line per change, and one per file that was skipped."""
    if not languages:
        raise StampError("choose at least one language to stamp")
    for lang in languages:
        if lang not in TRANSLATION_LANGUAGES:
            raise StampError(f"'{lang}' is not a translation language; choose from {', '.join(TRANSLATION_LANGUAGES)}")
    ordered = [lang for lang in TRANSLATION_LANGUAGES if lang in languages]
    root = flows_dir.parent
    lines: list[str] = []
    for path in _flow_paths(flows_dir, flows):
        display = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
            new_text, stamped, expected = _stamp_text(text, ordered, only_missing)
            if not stamped:
                continue
            if _reload(new_text) != expected:
                raise _Skip("it could not be edited safely; add the nl_hash by hand")
        except UnicodeDecodeError:
            lines.append(f"{display}: not stamped: it is not UTF-8 text")
            continue
        except _Skip as exc:
            lines.append(f"{display}: not stamped: {exc}")
            continue
        _write(path, new_text.encode("utf-8"))
        lines += [f"{display}: node '{node_id}' {lang} stamped" for node_id, lang in stamped]
    return lines

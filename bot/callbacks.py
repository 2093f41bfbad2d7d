"""The callback data of every inline button, typed (in the spirit of aiogram's `CallbackData`): the wire
formats are the ones buttons already in users' chats carry (`n:cv_help.start`, `c:claim:12`, ...).

To add a kind: a frozen dataclass with a unique `prefix` and str/int/Literal fields in wire order, listed in
`Callback`; build its buttons with `encode(...)`, read them with `decode` (None: unknown, stale or forged).
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar, Literal, get_args, get_origin, get_type_hints

WorkAnswer = Literal["pw", "in", "ed", "vo", "ny"]  # paid work, internship, education, volunteering, not yet
TranslatedReplyAction = Literal["s", "e", "o", "r"]  # send, edit, send the original, translate again
SafeguardingCategory = Literal["suicide", "danger", "domestic_violence", "exploitation", "harassment", "minor"]
MAX_BYTES = 64  # Telegram refuses a button whose callback_data is longer (in UTF-8 bytes)


class CallbackTooLong(ValueError):
    """The encoded data would not fit a Telegram button."""


@dataclass(frozen=True)
class NodeButton:
    """`n:<flow>.<node>`: a flow node to show."""

    prefix: ClassVar[str] = "n"
    separator: ClassVar[str] = "."
    flow: str
    node: str


@dataclass(frozen=True)
class ActionButton:
    """`a:<action>`: a built-in action (menu, language, coach, coach_yes, intake)."""

    prefix: ClassVar[str] = "a"
    action: str


@dataclass(frozen=True)
class LanguageButton:
    """`l:<lang>`: the newcomer chose a language."""

    prefix: ClassVar[str] = "l"
    lang: str


@dataclass(frozen=True)
class TopicButton:
    """`i:<intent>`: a topic offered when the bot asks back (also read by the unanswered report)."""

    prefix: ClassVar[str] = "i"
    intent: str


@dataclass(frozen=True)
class OtherTopic:
    """`o:<intent>`: the likeliest other topic, offered below a confident answer (read by the unanswered
    report: a newcomer who taps it says the answer missed)."""

    prefix: ClassVar[str] = "o"
    intent: str


@dataclass(frozen=True)
class CoachButton:
    """`c:claim:<case>` (case card, /queue) and `c:use:<case>` (/mine: switch the active case)."""

    prefix: ClassVar[str] = "c"
    action: Literal["claim", "use"]
    case_id: int


@dataclass(frozen=True)
class SatisfactionButton:
    """`s:<case>:<score>`: the answer to the closing question."""

    prefix: ClassVar[str] = "s"
    case_id: int
    score: Literal[1, 2, 3]


@dataclass(frozen=True)
class DeleteButton:
    """`del:yes` / `del:no`: the confirmation of /delete."""

    prefix: ClassVar[str] = "del"
    answer: Literal["yes", "no"]


@dataclass(frozen=True)
class IntakeButton:
    """`in:<action>[:<arg>]`: the intake form's buttons (the form checks action and argument)."""

    prefix: ClassVar[str] = "in"
    action: str
    arg: str = ""


@dataclass(frozen=True)
class DismissAlarm:
    """`sg:no:<case>:<o|u>`: "I am fine" after a safeguarding answer; o: the alarm opened the case,
    u: it upgraded an existing one."""

    prefix: ClassVar[str] = "sg:no"
    case_id: int
    marker: Literal["o", "u"]


@dataclass(frozen=True)
class SafetyAnswer:
    """`sg:ask:<safe|help>:<category>`: the answer to "Are you safe right now?", asked when the
    safeguarding model is unsure (the middle band); the category is the model's guess."""

    prefix: ClassVar[str] = "sg:ask"
    answer: Literal["safe", "help"]
    category: SafeguardingCategory


@dataclass(frozen=True)
class FollowupConsent:
    """`fu:<yes|no|stop>`: may we ask later whether you found work; stop asking (issue 25)."""

    prefix: ClassVar[str] = "fu"
    answer: Literal["yes", "no", "stop"]


@dataclass(frozen=True)
class FollowupAnswer:
    """`fu:a:<question>:<code>`: the answer to a later question about work (codes: `followup.ANSWERS`)."""

    prefix: ClassVar[str] = "fu:a"
    question_id: int
    code: WorkAnswer


@dataclass(frozen=True)
class TranslatedReply:
    """`c:mt:<s|e|o|r>:<draft>`: a coach's decision on a machine-translated reply: send it, edit it,
    send the original instead, translate again."""

    prefix: ClassVar[str] = "c:mt"
    action: TranslatedReplyAction
    draft_id: int


@dataclass(frozen=True)
class ShowOriginal:
    """`mt:o:<draft>`: the newcomer asks for the coach's own words under a machine translation."""

    prefix: ClassVar[str] = "mt:o"
    draft_id: int


Callback = (
    NodeButton
    | ActionButton
    | LanguageButton
    | TopicButton
    | OtherTopic
    | CoachButton
    | SatisfactionButton
    | DeleteButton
    | IntakeButton
    | DismissAlarm
    | SafetyAnswer
    | FollowupConsent
    | FollowupAnswer
    | TranslatedReply
    | ShowOriginal
)
KINDS: tuple[type[Callback], ...] = get_args(Callback)


# (name, type, default) of each field of each kind, in wire order.
_LAYOUTS = {kind: tuple((f.name, get_type_hints(kind)[f.name], f.default) for f in fields(kind)) for kind in KINDS}
# Longest prefix first: `sg:no:` is tried before a kind whose prefix were `sg`.
_BY_PREFIX = sorted(((kind.prefix + ":", kind) for kind in KINDS), key=lambda item: -len(item[0]))


def _separator(kind: type[Callback]) -> str:
    return str(getattr(kind, "separator", ":"))


def encode(callback: Callback) -> str:
    """The callback data; raises CallbackTooLong past Telegram's 64 bytes, ValueError when a field
    holds the separator (it would not decode to the same button)."""
    kind = type(callback)
    sep = _separator(kind)
    values = [str(getattr(callback, name)) for name, _, _ in _LAYOUTS[kind]]
    defaults = [None if default is MISSING else str(default) for _, _, default in _LAYOUTS[kind]]
    while len(values) > 1 and values[-1] == defaults[len(values) - 1]:
        values.pop()  # a trailing default is left out: `in:skip`, not `in:skip:`
    if any(sep in value for value in values[:-1]):
        raise ValueError(f"a field of {kind.__name__} holds its separator {sep!r}")
    data = f"{kind.prefix}:{sep.join(values)}"
    if len(data.encode()) > MAX_BYTES:
        raise CallbackTooLong(f"{kind.__name__} data is {len(data.encode())} bytes, Telegram allows {MAX_BYTES}")
    return data


def fits(callback: Callback) -> bool:
    """Whether `encode` accepts it (for checks such as `flows check`)."""
    try:
        encode(callback)
    except ValueError:
        return False
    return True


def _value(raw: str, hint: Any) -> Any:
    """The field's value, or MISSING when `raw` is not one."""
    if hint is int:
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else MISSING
    if get_origin(hint) is Literal:
        return next((choice for choice in get_args(hint) if str(choice) == raw), MISSING)
    return raw


def decode(data: str | None) -> Callback | None:
    """The button behind `data`, or None for anything unknown, stale or forged."""
    if not data:
        return None
    kind = next((kind for prefix, kind in _BY_PREFIX if data.startswith(prefix)), None)
    if kind is None:
        return None
    layout = _LAYOUTS[kind]
    parts = data[len(kind.prefix) + 1 :].split(_separator(kind), len(layout) - 1)
    if len(parts) > len(layout) or any(default is MISSING for _, _, default in layout[len(parts) :]):
        return None
    values = {}
    for (name, hint, _), raw in zip(layout, parts, strict=False):
        value = _value(raw, hint)
        if value is MISSING:
            return None
        values[name] = value
    return kind(**values)

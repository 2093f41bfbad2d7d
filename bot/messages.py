"""UI messages as data: the dialog returns message ids with parameters, the renderer translates them.
`t_` and `tn_` mark strings for `pybabel extract` (see babel.cfg) without translating them here."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Msg:
    """A gettext message id, optionally plural, with its %-style parameters."""

    msgid: str
    params: tuple[tuple[str, str | int], ...] = ()
    plural: str | None = None
    count: int | None = None

    def param_dict(self) -> dict[str, str | int]:
        return dict(self.params)


@dataclass(frozen=True)
class Plain:
    """Text that is the same in every language (a language's own name, a user's words)."""

    text: str


@dataclass(frozen=True)
class NodeText:
    """The answer text of a flow node."""

    flow: str
    node: str


@dataclass(frozen=True)
class ButtonLabel:
    """The label of a flow node's button."""

    flow: str
    node: str
    index: int


@dataclass(frozen=True)
class FlowTitle:
    """A flow's title, for menus and "did you mean…?" buttons."""

    flow: str


@dataclass(frozen=True)
class Listing:
    """Several short items (chosen options), each translated on its own, shown as a list."""

    items: tuple[Msg | Plain, ...]


@dataclass(frozen=True)
class Lines:
    """A heading and 'label: value' lines (a summary of answers), each part translated on its own."""

    heading: Msg
    items: tuple[tuple[Msg, Msg | Plain | Listing], ...]


Text = Msg | Plain | NodeText | Lines
Label = Msg | Plain | ButtonLabel | FlowTitle


@dataclass(frozen=True)
class Button:
    label: Label
    data: str


@dataclass(frozen=True)
class Reply:
    text: Text
    buttons: tuple[tuple[Button, ...], ...] = field(default=())


def t_(msgid: str, **params: str | int) -> Msg:
    return Msg(msgid, tuple(sorted(params.items())))


def tn_(singular: str, plural: str, count: int, **params: str | int) -> Msg:
    return Msg(singular, tuple(sorted({**params, "num": count}.items())), plural, count)

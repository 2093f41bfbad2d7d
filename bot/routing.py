"""The router, declared (as aiogram's routers and filters): routes (name, predicate, handler) tried in order; a
handler returns False when the update is not its business after all. The table is `bot.routes.ROUTES`."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.callbacks import Callback
from bot.db.models import Case, ConversationState, Intake
from bot.handoff import queue
from bot.handoff.service import Sender, Turn
from bot.incoming import Incoming
from bot.intake import form
from bot.intake import store as intake_store
from bot.nlu.types import NluResult
from bot.services import Services

_UNREAD: Any = object()  # a lazily read value not read yet


@dataclass
class Ctx:
    """One update inside its transaction, as every route sees it."""

    services: Services
    incoming: Incoming
    turn: Turn
    sender: Sender
    nlu: NluResult | None
    button: Callback | None  # the decoded callback data of a button press
    language: str  # of the replies; the dialog may change it (a language button)
    _case: Case | None = _UNREAD
    _intake: form.IntakeState | None = _UNREAD
    _state: ConversationState | None = _UNREAD
    typed_recently: int | None = None  # the flood rule's count when read with the sender

    def known(
        self, case: Case | None, intake: Intake | None, state: ConversationState | None, typed_recently: int | None
    ) -> None:
        """What was read with the sender, as the update arrived (saves a statement each)."""
        self._case, self._state = case, state
        self._intake = None if intake is None else intake_store.to_state(intake)
        self.typed_recently = typed_recently

    @property
    def is_newcomer(self) -> bool:
        """Not a registered coach (a coach may still try the bot's dialog, see the coach route)."""
        return self.sender.coach is None

    def typed_yes_no(self) -> bool | None:
        """A typed yes (True) or no (False) the NLU is sure of ("نعم", "ja", "እወ"); None otherwise."""
        nlu = self.nlu
        if self.incoming.kind != "text" or nlu is None or nlu.confidence < self.services.settings.nlu_threshold:
            return None
        return {"affirm": True, "deny": False}.get(nlu.intent)

    async def case(self) -> Case | None:
        """The sender's open case, read once per update."""
        if self._case is _UNREAD:
            self._case = await queue.open_case_of(self.turn.session, self.sender.user.id)
        return self._case

    async def intake(self) -> form.IntakeState | None:
        """The sender's intake as it was when the update arrived, read once per update."""
        if self._intake is _UNREAD:
            self._intake = await intake_store.load(self.turn.session, self.sender.user.id)
        return self._intake

    async def state(self) -> ConversationState | None:
        """The sender's dialog state row, read once per update."""
        if self._state is _UNREAD:
            self._state = await self.turn.session.get(ConversationState, self.sender.user.id)
        return self._state

    def store(
        self,
        case_id: int | None = None,
        *,
        nlu: NluResult | None = None,
        intent: str | None = None,
        answer: str | None = None,  # how the bot answered (`bot.reports.answers`)
    ) -> None:
        """The update's message in the transcript."""
        incoming = self.incoming
        self.turn.outbox.incoming(
            user_id=self.sender.user.id,
            chat_id=incoming.chat_id,
            kind=incoming.kind,
            text=incoming.transcript,
            language=self.language,
            intent=nlu.intent if nlu else intent,
            confidence=nlu.confidence if nlu else None,
            update_id=incoming.update_id,
            telegram_message_id=incoming.message_id,
            case_id=case_id,
            thread_id=incoming.thread_id,
            file_id=incoming.file_id,
            answer=answer,
        )


Predicate = Callable[[Ctx], bool | Awaitable[bool]]
Handler = Callable[[Ctx], Awaitable[bool]]


def pressed(*kinds: type[Callback]) -> Predicate:
    """A route's predicate: the update is a press of one of these kinds of button."""
    return lambda ctx: isinstance(ctx.button, kinds)


@dataclass(frozen=True)
class Route:
    name: str
    when: Predicate
    handle: Handler


async def dispatch(ctx: Ctx, routes: Sequence[Route]) -> str | None:
    """Try the routes in order; the name of the one that answered (None: none did)."""
    for route in routes:
        applies = route.when(ctx)
        if inspect.isawaitable(applies):
            applies = await applies
        if applies and await route.handle(ctx):
            return route.name
    return None

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

INTENTS: tuple[str, ...] = (
    "greet",
    "goodbye",
    "thanks",
    "affirm",
    "deny",
    "diploma_recognition",
    "profession_accreditation",
    "cv_help",
    "job_application",
    "work_culture",
    "language_learning",
    "work_and_benefits",
    "education_routes",
    "volunteering_internship",
    "self_employment",
    "employment_contract",
    "start_intake",
    "request_human",
    "change_language",
    "out_of_scope",
)
# Intents the dialog answers with a topic of the main menu (the ones it offers when it asks back).
NOT_TOPICS = frozenset(
    {"greet", "goodbye", "thanks", "affirm", "deny", "start_intake", "request_human", "change_language", "out_of_scope"}
)
TOPICS: tuple[str, ...] = tuple(i for i in INTENTS if i not in NOT_TOPICS)
# A confident answer also offers the likeliest other topic from this confidence on: on the realistic sets A-C
# half of the confidently wrong answers had the right topic there, for an extra button on 4% of the right ones.
RUNNER_UP = 0.15


@dataclass(frozen=True)
class Entity:
    entity: str
    value: str


@dataclass(frozen=True)
class NluResult:
    text: str
    language: str | None
    intent: str
    confidence: float
    ranking: tuple[tuple[str, float], ...]
    entities: tuple[Entity, ...] = ()
    # The node of the intent's flow that answers the specific question (None: the flow's start), and the
    # intent of a second question in the same message (offered as a button).
    node: str | None = None
    second: str | None = None
    gibberish: bool = False  # no word and few character n-grams the training data knows ("qwerty zxcv")

    def runner_up(
        self, is_topic: Callable[[str], bool] = TOPICS.__contains__, minimum: float = RUNNER_UP
    ) -> str | None:
        """The likeliest topic other than the answered intent, if its confidence reaches `minimum`."""
        return next((i for i, c in self.ranking if i != self.intent and is_topic(i) and c >= minimum), None)

    def entity(self, name: str) -> str | None:
        return next((e.value for e in self.entities if e.entity == name), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "language": self.language,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "ranking": [{"intent": i, "confidence": round(c, 4)} for i, c in self.ranking],
            "entities": [{"entity": e.entity, "value": e.value} for e in self.entities],
            "node": self.node,
            "second": self.second,
            "gibberish": self.gibberish,
        }


class Parser(Protocol):
    async def parse(self, text: str) -> NluResult: ...

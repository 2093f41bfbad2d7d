"""The intake conversation as a pure state machine (consent, questions, skip, stop and resume, review, submit);
the pipeline stores the state it returns, so an interrupted intake resumes after a restart."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from typing import Literal

from bot.callbacks import IntakeButton, encode
from bot.dialog import with_menu_button
from bot.intake import validate
from bot.messages import Button, Lines, Listing, Msg, Plain, Reply, t_
from bot.textnorm import normalize

Status = Literal["consent", "asking", "paused", "review", "submitted", "declined"]
Kind = Literal["text", "choice", "multi"]


@dataclass(frozen=True)
class Field:
    key: str
    question: Msg
    label: Msg
    kind: Kind = "text"
    choices: tuple[tuple[str, Msg | Plain], ...] = ()
    check: Callable[[str], str | None] | None = None
    retry: Msg | None = None


def _text(limit: int) -> Callable[[str], str | None]:
    return lambda value: validate.free_text(value, limit)


def _same(*values: str) -> tuple[tuple[str, Plain], ...]:
    """Choices whose label is the value itself in every language."""
    return tuple((value, Plain(value)) for value in values)


FIELDS: tuple[Field, ...] = (
    Field(
        "first_name",
        t_("What is your first name?"),
        t_("First name"),
        check=validate.first_name,
        retry=t_("Please write only your first name, for example: Amal."),
    ),
    Field(
        "municipality",
        t_("In which municipality (gemeente) do you live? For example: Utrecht."),
        t_("Municipality"),
        retry=t_("I do not know this municipality. Please check the spelling, for example: Amersfoort."),
    ),
    Field(
        "country",
        t_("Which country do you come from?"),
        t_("Country of origin"),
        check=_text(60),
        retry=t_("Please write the name of a country."),
    ),
    Field(
        "education_level",
        t_("What is your highest education?"),
        t_("Highest education"),
        kind="choice",
        choices=(
            ("none", t_("No school or primary school")),
            ("secondary", t_("Secondary school")),
            ("vocational", t_("Vocational training")),
            ("bachelor", t_("Bachelor (university or college)")),
            ("master", t_("Master or higher")),
        ),
    ),
    Field(
        "education_field",
        t_("In which field did you study? For example: nursing, law, electrical engineering."),
        t_("Field of study"),
        check=_text(120),
        retry=t_("Please write your field of study in a few words."),
    ),
    Field(
        "diplomas",
        t_("Which diplomas do you have? For example: bachelor in economics, Damascus University."),
        t_("Diplomas"),
        check=_text(200),
        retry=t_("Please write the name of your diploma in a few words."),
    ),
    Field(
        "diploma_evaluated",
        t_("Has your diploma been evaluated in the Netherlands (IDW or Nuffic)?"),
        t_("Diploma evaluated"),
        kind="choice",
        choices=(
            ("yes", t_("Yes")),
            ("no", t_("No")),
            ("in_progress", t_("In progress")),
            ("dont_know", t_("I don't know")),
        ),
    ),
    Field(
        "profession",
        t_("What work have you done? For example: teacher, car mechanic, shop assistant."),
        t_("Work experience"),
        check=_text(120),
        retry=t_("Please write your work in a few words."),
    ),
    Field(
        "work_years",
        t_("For how many years did you do this work? Write a number, for example: 5."),
        t_("Years of experience"),
        check=validate.years,
        retry=t_("Please write a number of years from 0 to 60, for example: 5."),
    ),
    Field(
        "dutch_level",
        t_(
            "How well do you speak Dutch?\n"
            "A0: not yet\nA1: a few words and sentences\nA2: simple daily conversations\n"
            "B1: I manage at work and with the municipality\nB2: I speak easily, also about difficult things\n"
            "C1: almost like a native speaker"
        ),
        t_("Dutch level"),
        kind="choice",
        choices=(*_same("A0", "A1", "A2", "B1", "B2", "C1"), ("dont_know", t_("I don't know"))),
    ),
    Field(
        "other_languages",
        t_("Which other languages do you speak? For example: Arabic, English."),
        t_("Other languages"),
        check=_text(120),
        retry=t_("Please write the languages you speak."),
    ),
    Field(
        "availability",
        t_("How many days a week can you work?"),
        t_("Available days per week"),
        kind="choice",
        choices=(*_same("1", "2", "3", "4", "5"), ("not_yet", t_("Not yet"))),
    ),
    Field(
        "sectors",
        t_("Which work interests you? Tap one or more, then tap Done."),
        t_("Interested in"),
        kind="multi",
        choices=(
            ("care", t_("Care")),
            ("tech", t_("Technology / IT")),
            ("hospitality", t_("Hospitality")),
            ("logistics", t_("Logistics")),
            ("education", t_("Education")),
            ("construction", t_("Construction")),
            ("other", t_("Other")),
        ),
    ),
    Field(
        "help_wanted",
        t_("What would you like help with? For example: finding a job as a nurse."),
        t_("Wants help with"),
        check=_text(500),
        retry=t_("Please write in a few words what you would like help with."),
    ),
    Field(
        "phone",
        t_("Your phone number, if you want a coach to call you (you may skip this)."),
        t_("Phone"),
        check=validate.phone,
        retry=t_("This does not look like a phone number. Write it like 0612345678 or +31612345678, or tap Skip."),
    ),
)
BY_KEY = {f.key: f for f in FIELDS}

CONSENT = t_(
    "Before we start: to match you with a coach and with work, I ask some questions about your "
    "background, education, work and Dutch.\n"
    "• Who sees it: your coach and the staff of our organisation. Nobody else.\n"
    "• How long: as long as you get help, and at most 12 months after your last message.\n"
    "• Your rights: you can see your data with /mydata and delete it with /delete at any time.\n"
    "You may skip any question. Do you agree that I save your answers?"
)
DECLINED = t_("No problem, nothing has been saved. You can still ask me anything.")
PAUSED = t_('Your answers are saved. You can continue later: tap "Sign up for guidance" or type "intake".')
RESUME = t_("Welcome back! Let's continue where you stopped.")
REVIEW = t_("Please check your answers. Tap a field to change it, or tap Send.")
SUBMITTED = t_("Thank you! Your answers are sent. A coach will contact you here.")
ALREADY = t_("You have already sent your answers. A coach will contact you here. You can change them:")
SKIPPED = t_("(skipped)")
USE_BUTTONS = t_("Please tap one of the buttons below the question.")


@dataclass(frozen=True)
class IntakeState:
    status: Status = "consent"
    field: str | None = None
    answers: Mapping[str, str] = dataclass_field(default_factory=dict)
    editing: bool = False
    selected: tuple[str, ...] = ()  # multi-choice answer being built


@dataclass(frozen=True)
class IntakeOutcome:
    state: IntakeState
    replies: tuple[Reply, ...]
    submit: bool = False


def _button(label: Msg | Plain, action: str, arg: str = "") -> Button:
    return Button(label, encode(IntakeButton(action, arg)))


CONTROL = (_button(t_("Skip"), "skip"), _button(t_("Stop for now"), "stop"))


def question(state: IntakeState) -> Reply:
    f = BY_KEY[state.field or FIELDS[0].key]
    rows: list[tuple[Button, ...]] = []
    text: Msg | Lines = f.question
    action = "toggle" if f.kind == "multi" else "pick"
    rows += [(_button(label, action, value),) for value, label in f.choices]
    if f.kind == "multi":
        rows.append((_button(t_("Done"), "done"),))
        if state.selected:
            text = Lines(f.question, ((t_("Chosen"), value_text(f.key, ",".join(state.selected))),))
    rows.append(CONTROL)
    return Reply(text, tuple(rows))


def consent_reply() -> Reply:
    return Reply(
        CONSENT, ((_button(t_("Yes, I agree"), "consent", "yes"), _button(t_("No, thanks"), "consent", "no")),)
    )


def value_text(key: str, value: str | None) -> Msg | Plain | Listing:
    f = BY_KEY[key]
    if value is None or value == "":
        return SKIPPED
    if f.kind in {"choice", "multi"}:
        labels = dict(f.choices)
        return Listing(tuple(labels.get(v, Plain(v)) for v in value.split(",")))
    return Plain(value)


def summary_rows(answers: Mapping[str, str]) -> tuple[tuple[Msg, Msg | Plain | Listing], ...]:
    """Each question's label with its answer in words (what the newcomer, the card and the console show)."""
    return tuple((f.label, value_text(f.key, answers.get(f.key))) for f in FIELDS)


def summary(answers: Mapping[str, str], heading: Msg) -> Lines:
    return Lines(heading, summary_rows(answers))


def review_reply(state: IntakeState) -> Reply:
    rows = [(_button(f.label, "edit", f.key),) for f in FIELDS]
    rows.append((_button(t_("Send"), "submit"),))
    return Reply(summary(state.answers, REVIEW), tuple(rows))


def _next(state: IntakeState, answers: Mapping[str, str]) -> IntakeOutcome:
    keys = [f.key for f in FIELDS]
    position = keys.index(state.field) + 1 if state.field in keys else 0
    if state.editing or position >= len(keys):
        new = replace(state, status="review", field=None, answers=answers, editing=False, selected=())
        return IntakeOutcome(new, (review_reply(new),))
    new = replace(state, status="asking", field=keys[position], answers=answers, selected=())
    return IntakeOutcome(new, (question(new),))


def start(state: IntakeState | None) -> IntakeOutcome:
    """The newcomer asked for the intake (intent, button or a coach)."""
    if state is None or state.status in {"consent", "declined"}:
        return IntakeOutcome(IntakeState("consent"), (consent_reply(),))
    if state.status in {"asking", "paused"}:
        resumed = replace(state, status="asking", field=state.field or FIELDS[0].key)
        return IntakeOutcome(resumed, (Reply(RESUME), question(resumed)))
    if state.status == "review":
        return IntakeOutcome(state, (review_reply(state),))
    return IntakeOutcome(replace(state, status="review"), (Reply(ALREADY), review_reply(state)))


def waiting_on(state: IntakeState | None) -> Reply | None:
    """The question an active intake waits for an answer to (asked again after a language change)."""
    if state is None or state.status not in {"consent", "asking", "review"}:
        return None
    if state.status == "consent":
        return consent_reply()
    return review_reply(state) if state.status == "review" else question(state)


def is_active(state: IntakeState | None) -> bool:
    return state is not None and state.status in {"consent", "asking", "review"}


def on_button(
    state: IntakeState, button: IntakeButton, match_municipality: Callable[[str], tuple[str | None, list[str]]]
) -> IntakeOutcome:
    action, arg = button.action, button.arg
    if action == "consent":
        if arg == "yes" and state.status == "consent":
            return _next(IntakeState("asking", None, {}), {})
        if arg == "no":
            return IntakeOutcome(IntakeState("declined"), (with_menu_button(DECLINED),))
    if action == "stop" and state.status in {"asking", "review"}:
        return IntakeOutcome(replace(state, status="paused"), (with_menu_button(PAUSED),))
    if state.status == "asking" and state.field is not None:
        f = BY_KEY[state.field]
        if action == "skip":
            answers = {k: v for k, v in state.answers.items() if k != f.key}
            return _next(state, answers)
        if action == "pick" and f.kind == "choice" and arg in dict(f.choices):
            return _next(state, {**state.answers, f.key: arg})
        if action == "pick" and f.key == "municipality":
            found, _ = match_municipality(arg)
            if found is not None:
                return _next(state, {**state.answers, f.key: found})
        if action == "toggle" and f.kind == "multi" and arg in dict(f.choices):
            selected = tuple(v for v in state.selected if v != arg) if arg in state.selected else (*state.selected, arg)
            new = replace(state, selected=selected)
            return IntakeOutcome(new, (question(new),))
        if action == "done" and f.kind == "multi":
            ordered = [v for v, _ in f.choices if v in state.selected]
            answers = {**state.answers, f.key: ",".join(ordered)} if ordered else dict(state.answers)
            return _next(state, answers)
    if state.status == "review":
        if action == "edit" and arg in BY_KEY:
            previous = state.answers.get(arg) or ""
            selected = tuple(previous.split(",")) if BY_KEY[arg].kind == "multi" and previous else ()
            new = replace(state, status="asking", field=arg, editing=True, selected=selected)
            return IntakeOutcome(new, (question(new),))
        if action == "submit":
            return IntakeOutcome(replace(state, status="submitted"), (Reply(SUBMITTED),), submit=True)
    # A stale or unexpected intake button: show where we are.
    return start(state)


def on_text(
    state: IntakeState, text: str, match_municipality: Callable[[str], tuple[str | None, list[str]]]
) -> IntakeOutcome:
    if state.status == "consent":
        return IntakeOutcome(state, (consent_reply(),))
    if state.status == "review":
        return IntakeOutcome(state, (review_reply(state),))
    f = BY_KEY[state.field or FIELDS[0].key]
    if f.kind == "choice":
        # "5" or "a2" typed for a choice that reads the same in every language (days, Dutch level).
        typed = normalize(text).strip().casefold()
        same = [value for value, label in f.choices if isinstance(label, Plain) and value.casefold() == typed]
        if same:
            return _next(state, {**state.answers, f.key: same[0]})
    if f.kind in {"choice", "multi"}:
        return IntakeOutcome(state, (Reply(USE_BUTTONS), question(state)))
    if f.key == "municipality":
        value, suggestions = match_municipality(text)
        if value is None and suggestions:
            rows = tuple((_button(Plain(name), "pick", name),) for name in suggestions)
            return IntakeOutcome(state, (Reply(t_("Did you mean one of these municipalities?"), (*rows, CONTROL)),))
    else:
        assert f.check is not None
        value = f.check(text)
    if value is None:
        return IntakeOutcome(state, (Reply(f.retry or f.question, (CONTROL,)),))
    return _next(state, {**state.answers, f.key: value})

"""The dialog core is pure: events and state in, replies (ids, not text) and new state out."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.dialog import (
    MENU,
    ButtonIn,
    CommandIn,
    Dialog,
    DialogConfig,
    EditedIn,
    MediaIn,
    State,
    TextIn,
)
from bot.flows.loader import load_flows
from bot.flows.model import FlowSet
from bot.messages import ButtonLabel, FlowTitle, Msg, NodeText, Plain
from bot.nlu.types import Entity, NluResult
from tests.flowkit import write_flows


@pytest.fixture(scope="module")
def flows(tmp_path_factory: pytest.TempPathFactory) -> FlowSet:
    return load_flows(write_flows(tmp_path_factory.mktemp("d") / "flows"))


@pytest.fixture
def dialog(flows: FlowSet) -> Dialog:
    return Dialog(DialogConfig(flows, threshold=0.5))


def nlu(
    intent: str, confidence: float = 0.9, ranking: tuple[tuple[str, float], ...] = (), **entities: str
) -> NluResult:
    return NluResult(
        "x",
        "nl",
        intent,
        confidence,
        ranking or ((intent, confidence),),
        tuple(Entity(k, v) for k, v in entities.items()),
    )


def test_confident_intent_answers_the_flow_start(dialog: Dialog) -> None:
    outcome = dialog.decide(TextIn("diploma?", nlu("diploma_recognition")), State())
    (reply,) = outcome.replies
    assert reply.text == NodeText("diploma", "start")
    assert reply.buttons[0][0].label == ButtonLabel("diploma", "start", 0)
    assert reply.buttons[0][0].data == "n:diploma.lost"
    assert [b.data for b in reply.buttons[1]] == ["l:nl", "l:ar"]  # action: language expands
    assert reply.buttons[-1][0].data == MENU
    assert outcome.state == State("diploma", "start", 0)
    assert not outcome.unanswered


def test_low_confidence_asks_instead_of_guessing(dialog: Dialog) -> None:
    result = nlu("diploma_recognition", 0.3, (("diploma_recognition", 0.3), ("cv_help", 0.2)))
    outcome = dialog.decide(TextIn("hm", result), State("diploma", "start", 1))
    (reply,) = outcome.replies
    assert isinstance(reply.text, Msg)
    assert "not sure" in reply.text.msgid
    assert reply.buttons[0][0].label == FlowTitle("diploma")
    assert reply.buttons[0][0].data == "i:diploma_recognition"
    assert reply.buttons[-1][0].data == MENU
    assert outcome.unanswered
    assert outcome.state.low_confidence_streak == 2


def test_choosing_a_suggested_topic(dialog: Dialog) -> None:
    outcome = dialog.decide(ButtonIn("i:diploma_recognition"), State(low_confidence_streak=1))
    assert outcome.replies[0].text == NodeText("diploma", "start")
    assert outcome.state.low_confidence_streak == 0


def test_button_navigates_between_nodes(dialog: Dialog) -> None:
    outcome = dialog.decide(ButtonIn("n:diploma.lost"), State("diploma", "start"))
    assert outcome.replies[0].text == NodeText("diploma", "lost")
    assert outcome.state == State("diploma", "lost")


@pytest.mark.parametrize("data", ["n:diploma.removed_node", "n:nope.start", "zzz", "", "l:fa", "i:unknown", "n:"])
def test_stale_or_forged_buttons_get_a_kind_answer(dialog: Dialog, data: str) -> None:
    state = State("diploma", "start")
    outcome = dialog.decide(ButtonIn(data), state)
    (reply,) = outcome.replies
    assert isinstance(reply.text, Msg)
    assert "no longer works" in reply.text.msgid
    assert outcome.state == state
    assert outcome.chosen_language is None


def test_language_button_sets_an_explicit_choice(dialog: Dialog) -> None:
    outcome = dialog.decide(ButtonIn("l:ti"), State())
    assert outcome.chosen_language == "ti"


def test_start_offers_languages_in_their_own_script(dialog: Dialog) -> None:
    outcome = dialog.decide(CommandIn("start"), State("diploma", "lost"))
    labels = [b.label for row in outcome.replies[0].buttons for b in row]
    assert labels == [Plain("Nederlands"), Plain("العربية"), Plain("ትግርኛ"), Plain("English")]
    assert outcome.state == State()


def test_help_and_unknown_command(dialog: Dialog) -> None:
    help_reply = dialog.decide(CommandIn("help"), State()).replies[0]
    assert isinstance(help_reply.text, Msg)
    assert "I can help you with" in help_reply.text.msgid
    unknown = dialog.decide(CommandIn("claim", "abc"), State()).replies[0]
    assert isinstance(unknown.text, Msg)
    assert "do not know that command" in unknown.text.msgid


def test_media_and_edits_get_a_kind_answer(dialog: Dialog) -> None:
    for event in (MediaIn("sticker"), MediaIn("voice"), EditedIn()):
        (reply,) = dialog.decide(event, State()).replies
        assert isinstance(reply.text, Msg)


def test_emoji_only_text(dialog: Dialog) -> None:
    (reply,) = dialog.decide(TextIn("😀😀", nlu("greet", 0.9)), State()).replies
    assert isinstance(reply.text, Msg)
    assert "did not find any words" in reply.text.msgid


def test_out_of_scope_is_answered_and_recorded_as_unanswered(dialog: Dialog) -> None:
    outcome = dialog.decide(TextIn("what will the weather be tomorrow?", nlu("out_of_scope")), State())
    assert outcome.replies[0].text == NodeText("out_of_scope", "start")
    assert outcome.unanswered


def test_intent_without_flow_asks(dialog: Dialog) -> None:
    outcome = dialog.decide(TextIn("cv", nlu("cv_help")), State())
    assert isinstance(outcome.replies[0].text, Msg)
    assert outcome.unanswered


@given(text=st.text(max_size=300), intent=st.sampled_from(["greet", "diploma_recognition", "cv_help", "deny"]))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200)
def test_any_text_gives_a_valid_outcome(dialog: Dialog, text: str, intent: str) -> None:
    outcome = dialog.decide(TextIn(text, nlu(intent, 0.6)), State())
    assert outcome.replies
    for reply in outcome.replies:
        for row in reply.buttons:
            for button in row:
                assert 0 < len(button.data.encode()) <= 64


@given(data=st.text(max_size=80))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200)
def test_any_callback_data_gives_a_valid_outcome(dialog: Dialog, data: str) -> None:
    assert dialog.decide(ButtonIn(data), State()).replies

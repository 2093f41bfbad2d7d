"""What the dialog does with the richer NLU result: answer nodes, second questions, gibberish, vague input,
and when a coach is offered (bot/dialog.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.dialog import (
    COACH,
    FOLLOWUP_MARGIN,
    FOLLOWUP_MARGIN_OFF_TOPIC,
    FOLLOWUP_MARGIN_SAME_TOPIC,
    GIBBERISH,
    MENU,
    UNSURE,
    VAGUE,
    ButtonIn,
    Dialog,
    DialogConfig,
    FollowupQuery,
    HandoffInfo,
    State,
    TextIn,
)
from bot.flows.loader import load_flows
from bot.flows.model import FlowSet
from bot.messages import FlowTitle, NodeText, t_
from bot.nlu.types import Entity, NluResult

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def flows() -> FlowSet:
    return load_flows(ROOT / "flows")


@pytest.fixture
def dialog(flows: FlowSet) -> Dialog:
    return Dialog(DialogConfig(flows, 0.5, frozenset({"menu", "language", "coach"})), HandoffInfo(t_("wait")))


def nlu(intent: str, confidence: float = 0.9, **kw: object) -> NluResult:
    return NluResult("x", "nl", intent, confidence, ((intent, confidence), ("cv_help", 0.05)), **kw)  # type: ignore[arg-type]


def data(reply_buttons: tuple[tuple[object, ...], ...]) -> list[str]:
    return [b.data for row in reply_buttons for b in row]  # type: ignore[attr-defined]


def test_a_specific_question_gets_its_node_with_the_topics_other_answers_below(dialog: Dialog) -> None:
    outcome = dialog.decide(TextIn("wat is het minimumloon", nlu("employment_contract", node="wage")), State())
    (reply,) = outcome.replies
    assert reply.text == NodeText("employment_contract", "wage")
    assert outcome.state.node == "wage"
    buttons = data(reply.buttons)
    assert "n:employment_contract.probation" in buttons
    assert "n:employment_contract.payslip" in buttons
    assert "n:employment_contract.wage" not in buttons  # not the answer just given
    assert buttons[-1] == MENU


def test_without_a_node_the_topic_opens_as_before(dialog: Dialog) -> None:
    (reply,) = dialog.decide(TextIn("contract", nlu("employment_contract")), State()).replies
    assert reply.text == NodeText("employment_contract", "start")


def test_a_second_question_is_offered_as_a_button(dialog: Dialog) -> None:
    result = nlu("cv_help", second="job_application")
    (reply,) = dialog.decide(TextIn("cv? en vacatures?", result), State()).replies
    assert reply.text == NodeText("cv_help", "start")
    offered = [b for row in reply.buttons for b in row if b.data == "i:job_application"]
    assert [b.label for b in offered] == [FlowTitle("job_application")]


def close_call(second: str | None = None, runner_up: float = 0.3) -> NluResult:
    ranking = (("job_application", 0.6), ("greet", 0.35), ("cv_help", runner_up), ("work_culture", 0.01))
    return NluResult("x", "nl", "job_application", 0.6, ranking, second=second)


def test_a_close_second_topic_is_offered_below_the_answer(dialog: Dialog) -> None:
    (reply,) = dialog.decide(TextIn("ik heb mijn cv gestuurd en nu?", close_call()), State()).replies
    assert reply.text == NodeText("job_application", "start")
    buttons = [b for row in reply.buttons for b in row]
    offered = [b for b in buttons if b.data == "o:cv_help"]
    assert [b.label for b in offered] == [FlowTitle("cv_help")]  # the topic, never small talk such as greet
    # Below the answer's own buttons: the answer comes first, the way out after it.
    node_buttons = [i for i, b in enumerate(buttons) if b.data.startswith("n:job_application.")]
    assert node_buttons
    assert max(node_buttons) < buttons.index(offered[0])


def test_no_other_topic_when_it_is_far_behind_or_the_message_asks_two_things(dialog: Dialog) -> None:
    (far,) = dialog.decide(TextIn("vacatures", close_call(runner_up=0.1)), State()).replies
    assert not [d for d in data(far.buttons) if d.startswith("o:")]
    (two,) = dialog.decide(TextIn("vacatures? en werk?", close_call(second="work_culture")), State()).replies
    assert "i:work_culture" in data(two.buttons)
    assert not [d for d in data(two.buttons) if d.startswith("o:")]  # one extra topic button at most


def test_tapping_the_other_topic_answers_it(dialog: Dialog) -> None:
    outcome = dialog.decide(ButtonIn("o:cv_help"), State("job_application", "start"))
    assert outcome.replies[0].text == NodeText("cv_help", "start")
    assert outcome.state.flow == "cv_help"


def test_gibberish_is_asked_again_without_the_out_of_scope_text(dialog: Dialog) -> None:
    outcome = dialog.decide(TextIn("qwerty zxcv", nlu("cv_help", 0.95, gibberish=True)), State())
    (reply,) = outcome.replies
    assert reply.text == GIBBERISH
    assert outcome.unanswered
    assert outcome.state.low_confidence_streak == 1


@pytest.mark.parametrize("text", ["papieren", "huis", "ik heb een vraag"])
def test_vague_input_gets_the_topic_menu(dialog: Dialog, text: str) -> None:
    outcome = dialog.decide(TextIn(text, nlu("out_of_scope", 0.8)), State())
    (reply,) = outcome.replies
    assert reply.text == VAGUE
    assert "n:employment_contract.start" in data(reply.buttons)
    assert outcome.unanswered


def test_a_longer_out_of_scope_question_gets_the_out_of_scope_answer(dialog: Dialog) -> None:
    outcome = dialog.decide(TextIn("waar kan ik een huis vinden voor mijn gezin", nlu("out_of_scope")), State())
    assert outcome.replies[0].text == NodeText("out_of_scope", "start")
    assert outcome.state.low_confidence_streak == 1


def test_the_third_unsure_turn_in_a_row_offers_a_coach(dialog: Dialog) -> None:
    state = State()
    turns = [
        TextIn("papieren", nlu("out_of_scope", 0.8)),
        TextIn("asdfgh", nlu("out_of_scope", 0.8, gibberish=True)),
        TextIn("hm ja die dingen", nlu("cv_help", 0.3)),
    ]
    offered = []
    for turn in turns:
        outcome = dialog.decide(turn, state)
        state = outcome.state
        offered.append(any(COACH in data(r.buttons) or "a:coach_yes" in data(r.buttons) for r in outcome.replies))
    assert offered == [False, False, True]
    assert state.low_confidence_streak == 3
    # Asking back still names the likeliest topic in the third turn.
    assert outcome.replies[0].text != UNSURE
    assert "i:cv_help" in data(outcome.replies[0].buttons)


# Follow-ups: a short message right after an answer, read against the nodes of the topic just answered.
IN_DIPLOMA = State("diploma_recognition", "start")


def test_a_follow_up_after_an_answer_gets_the_node_it_asks_about(dialog: Dialog) -> None:
    event = TextIn("hoeveel kost dat", nlu("out_of_scope", 0.96), followup="cost_time")
    every = frozenset({"start", "have_papers", "lost_papers", "not_finished", "cost_time", "after_result", "nuffic"})
    assert dialog.followup_topic(event, IN_DIPLOMA) == FollowupQuery(
        "diploma_recognition", FOLLOWUP_MARGIN_OFF_TOPIC, every
    )
    same_topic = TextIn("is het gratis", nlu("diploma_recognition", 0.8))
    assert dialog.followup_topic(same_topic, IN_DIPLOMA) == FollowupQuery(
        "diploma_recognition", FOLLOWUP_MARGIN_SAME_TOPIC, every
    )
    unsure = TextIn("is het gratis", nlu("diploma_recognition", 0.3))
    assert dialog.followup_topic(unsure, IN_DIPLOMA) == FollowupQuery("diploma_recognition", FOLLOWUP_MARGIN, every)
    outcome = dialog.decide(event, IN_DIPLOMA)
    (reply,) = outcome.replies
    assert reply.text == NodeText("diploma_recognition", "cost_time")
    assert outcome.state == State("diploma_recognition", "cost_time", 0)
    assert (outcome.intent, outcome.unanswered) == ("diploma_recognition", False)
    assert "n:diploma_recognition.lost_papers" in data(reply.buttons)  # the topic's other answers below it


def test_an_unsure_follow_up_or_one_of_the_same_topic_is_read_in_the_topic(dialog: Dialog) -> None:
    unsure = dialog.decide(
        TextIn("en na de uitslag?", nlu("job_application", 0.47), followup="after_result"), IN_DIPLOMA
    )
    assert unsure.state.node == "after_result"
    same = dialog.decide(TextIn("is het gratis", nlu("diploma_recognition"), followup="cost_time"), IN_DIPLOMA)
    assert same.state.node == "cost_time"


@pytest.mark.parametrize(
    "result",
    [
        nlu("cv_help", 0.96),  # a confident question about another topic: that topic answers
        nlu("request_human", 0.9),
        nlu("diploma_recognition", 0.9, node="lost_papers"),  # the classifier's own node wins
    ],
)
def test_a_confident_message_of_its_own_is_not_read_as_a_follow_up(dialog: Dialog, result: NluResult) -> None:
    without = dialog.decide(TextIn("x", result), IN_DIPLOMA)
    assert dialog.decide(TextIn("x", result, followup="cost_time"), IN_DIPLOMA) == without


def test_no_follow_up_without_a_topic_or_for_a_long_message(dialog: Dialog) -> None:
    short = TextIn("hoeveel kost dat", nlu("out_of_scope"))
    assert dialog.followup_topic(short, State()) is None
    assert dialog.followup_topic(short, State("greet", "start")) is None  # small talk is no topic
    assert dialog.followup_topic(ButtonIn(MENU), IN_DIPLOMA) is None
    long = TextIn("ik wil graag weten hoeveel dat allemaal gaat kosten voor mij en mijn vrouw", nlu("out_of_scope"))
    assert dialog.followup_topic(long, IN_DIPLOMA) is None
    # Without a topic the vague message gets the topic menu, as before.
    assert (
        dialog.decide(TextIn("hoeveel kost dat", nlu("out_of_scope"), followup=None), State()).replies[0].text == VAGUE
    )


def test_a_follow_up_wins_over_another_topic_read_without_much_confidence_which_gets_a_button(dialog: Dialog) -> None:
    event = TextIn("en moet ik daarvoor betalen", nlu("work_and_benefits", 0.62), followup="cost_time")
    outcome = dialog.decide(event, IN_DIPLOMA)
    assert outcome.state.node == "cost_time"
    assert "o:work_and_benefits" in data(outcome.replies[0].buttons)  # the other reading, a tap away
    assert (
        dialog.decide(replace(event, nlu=nlu("work_and_benefits", 0.75)), IN_DIPLOMA).state.flow == "work_and_benefits"
    )


def test_a_follow_up_is_about_a_node_in_reach_not_one_of_another_branch(dialog: Dialog) -> None:
    """After the teacher's answer, "how long does it take" must not get the BIG register's cost and duration."""
    query = dialog.followup_topic(
        TextIn("en hoe lang duurt dat", nlu("out_of_scope", 0.8)), State("profession_accreditation", "teacher")
    )
    assert query is not None
    assert "big_cost" not in query.among
    assert {"teacher", "uaf", "big", "lawyer"} <= query.among  # the answer shown, where it leads, the topic's answers
    after_big = dialog.followup_topic(
        TextIn("en hoe lang duurt dat", nlu("out_of_scope", 0.8)), State("profession_accreditation", "big")
    )
    assert after_big is not None
    assert "big_cost" in after_big.among


def test_no_follow_up_is_looked_for_when_the_classifier_reading_answers_anyway(dialog: Dialog) -> None:
    for result in (
        nlu("cv_help", 0.96),
        nlu("start_intake", 0.98),
        nlu("diploma_recognition", 0.9, node="lost_papers"),
    ):
        assert dialog.followup_topic(TextIn("x", result), IN_DIPLOMA) is None
    assert dialog.followup_topic(TextIn("x", nlu("cv_help", 0.6)), IN_DIPLOMA) is not None  # may yield to one


@pytest.mark.parametrize("pleasantry", ["affirm", "deny", "thanks", "greet", "goodbye"])
def test_a_question_read_as_small_talk_after_an_answer_gets_the_node_the_lookup_finds(
    dialog: Dialog, pleasantry: str
) -> None:
    """ "any good examples online?" read as affirm at 0.72 and "moet ik betalen of niet" as deny at 0.92: the
    follow-up lookup decides; real small talk ("oke dank je wel") is near no node, so it stays small talk."""
    event = TextIn("moet ik betalen of niet", nlu(pleasantry, 0.92))
    assert dialog.followup_topic(event, IN_DIPLOMA) is not None
    assert dialog.decide(replace(event, followup="cost_time"), IN_DIPLOMA).state.node == "cost_time"
    small_talk = dialog.decide(event, IN_DIPLOMA)
    assert small_talk.intent == pleasantry
    assert small_talk.state.node != "cost_time"


def test_a_follow_up_read_as_gibberish_gets_its_node(dialog: Dialog) -> None:
    """ "ደንጉየ እንተ መጺአኸ?" (and if I come late?) looks like noise to the classifier; near a node, it is words."""
    noise = replace(nlu("out_of_scope", 0.73), gibberish=True)
    state = State("work_culture", "start")
    assert dialog.decide(TextIn("ደንጉየ እንተ መጺአኸ?", noise, followup="punctual"), state).state.node == "punctual"
    assert dialog.decide(TextIn("ደንጉየ እንተ መጺአኸ?", noise), state).replies[0].text == GIBBERISH


def test_a_named_profession_routes_before_a_follow_up(dialog: Dialog) -> None:
    """After the regulated professions' opening, "كنت معلمة في بلدي" names a teacher: the teacher's answer,
    whatever node the follow-up lookup found nearest."""
    state = State("profession_accreditation", "start")
    named = nlu("profession_accreditation", 0.64, entities=(Entity("profession", "teacher"),))
    assert dialog.decide(TextIn("كنت معلمة في بلدي", named, followup="big"), state).state.node == "teacher"
    unnamed = nlu("profession_accreditation", 0.64)
    assert dialog.decide(TextIn("كنت في بلدي", unnamed, followup="big"), state).state.node == "big"

"""Paths a newcomer takes through the chat that exploratory testing found broken: repeated /mydata,
answers typed instead of tapped, a language change in the middle of the intake."""

from __future__ import annotations

import json

import pytest

from bot.dialog import COACH_YES, INTAKE, MENU, QUEUED, VAGUE
from bot.handoff.coaches import add_coach
from bot.handoff.service import RELAY_NOTE
from bot.i18n import directional
from bot.intake import form, validate
from bot.messages import Msg, NodeText, Reply
from bot.pipeline import Incoming, Result, process
from bot.render import Renderer
from bot.routes import data_rights
from bot.safeguarding import respond
from bot.services import Services

NEWCOMER = 7601


async def say(services: Services, text: str, lang: str = "ar") -> Result:
    return await process(services, Incoming(NEWCOMER, NEWCOMER, "text", text=text, telegram_language=lang))


async def command(services: Services, name: str, lang: str = "ar") -> Result:
    return await process(services, Incoming(NEWCOMER, NEWCOMER, "command", command=name, telegram_language=lang))


async def press(services: Services, data: str, lang: str = "ar") -> Result:
    return await process(services, Incoming(NEWCOMER, NEWCOMER, "button", data=data, telegram_language=lang))


def text_of(services: Services, msg: Msg, lang: str) -> str:
    return directional(services.translator.gettext(lang, msg), lang)


def texts(result: Result) -> list[str]:
    return [o.text for o in result.outgoing]


def export_of(result: Result) -> dict[str, object]:
    (document,) = [o for o in result.outgoing if o.kind == "document"]
    loaded: dict[str, object] = json.loads(document.text)
    return loaded


async def test_an_export_names_earlier_exports_instead_of_containing_them(services: Services) -> None:
    await say(services, "hallo", "nl")
    sizes = []
    for _ in range(4):
        result = await command(services, "mydata", "nl")
        sizes.append(len(next(o.text for o in result.outgoing if o.kind == "document")))
    transcript = export_of(result)["transcript"]
    assert isinstance(transcript, list)
    files = [entry for entry in transcript if entry["kind"] == "document"]
    assert [(f["text"], f["file"]) for f in files] == [(None, "werkhelpdesk-my-data.json")] * 3
    # Each export grows by a few lines, not by a copy of the previous one.
    assert sizes[3] - sizes[2] < 1000, sizes


@pytest.mark.parametrize(("lang", "yes"), [("ar", "نعم"), ("ti", "እወ"), ("nl", "ja"), ("en", "yes")])
async def test_a_typed_yes_to_the_consent_question_is_a_yes(services: Services, lang: str, yes: str) -> None:
    assert texts(await press(services, INTAKE, lang)) == [text_of(services, form.CONSENT, lang)]
    first = form.BY_KEY["first_name"].question
    assert texts(await say(services, yes, lang)) == [text_of(services, first, lang)]


async def test_a_typed_no_to_the_consent_question_stores_nothing(services: Services) -> None:
    await press(services, INTAKE, "ar")
    (declined,) = texts(await say(services, "لا", "ar"))
    assert declined == text_of(services, form.DECLINED, "ar")


async def test_a_question_typed_at_the_consent_question_is_answered(services: Services) -> None:
    await press(services, INTAKE, "en")
    (answer,) = (await say(services, "how do i get my diploma checked", "en")).outgoing
    assert answer.text != text_of(services, form.CONSENT, "en")
    assert "IDW" in answer.text
    # The consent question is still open: its button works.
    first = form.BY_KEY["first_name"].question
    assert texts(await press(services, "in:consent:yes", "en")) == [text_of(services, first, "en")]


async def test_the_intake_goes_on_after_a_language_change(services: Services) -> None:
    await press(services, INTAKE)
    await press(services, "in:consent:yes")
    await say(services, "Yusuf")
    await command(services, "language")
    switched, asked = (await press(services, "l:ti")).outgoing
    assert switched.buttons == ()  # not the topic menu: the intake is not over
    assert asked.text == text_of(services, form.BY_KEY["municipality"].question, "ti")
    # The answer typed next is the intake's, in the new language.
    assert texts(await say(services, "Utrecht")) == [text_of(services, form.BY_KEY["country"].question, "ti")]


async def test_a_disclosure_without_any_coach_is_not_promised_one(services: Services) -> None:
    # No coach is registered: the help lines, then honestly that nobody reads this, not "a coach will".
    help_lines, next_step = (await say(services, "بدي انتحر")).outgoing
    assert help_lines.text == services.flows.text("safeguarding", "suicide", "ar")
    assert "coach" not in help_lines.text  # it said "a coach is being told now" (also in Arabic)
    assert "مرشد" not in help_lines.text
    assert next_step.text == text_of(services, respond.NEXT_NOBODY, "ar")
    # The next message while the case waits: the same, never "a coach will write to you".
    assert texts(await say(services, "كيف اكتب سيرة ذاتية")) == [help_lines.text, next_step.text]


async def test_mydata_without_intake_answers_lists_no_skipped_questions(services: Services) -> None:
    await say(services, "مرحبا")
    (summary,) = [o.text for o in (await command(services, "mydata")).outgoing if o.kind != "document"]
    assert text_of(services, form.SKIPPED, "ar") not in summary
    assert summary == text_of(
        services,
        Msg(
            "You have not answered any sign-up questions. The attached file has everything I have stored "
            "about you, including all messages."
        ),
        "ar",
    )


@pytest.mark.parametrize(("lang", "joined"), [("ar", "الرعاية الصحية والبناء"), ("ti", "፣ "), ("nl", "Zorg, Bouw")])
async def test_chosen_sectors_are_listed_the_way_the_language_lists(services: Services, lang: str, joined: str) -> None:
    await press(services, INTAKE, lang)
    await press(services, "in:consent:yes", lang)
    for _ in range([f.key for f in form.FIELDS].index("sectors")):
        await press(services, "in:skip", lang)
    await press(services, "in:toggle:care", lang)
    (asked,) = texts(await press(services, "in:toggle:construction", lang))
    chosen = asked.splitlines()[-1]
    assert joined in chosen
    assert "," not in chosen or lang == "nl"


async def test_a_button_while_waiting_for_a_coach_does_not_say_a_coach_is_there(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "ar", staff=False)
    await say(services, "بدي احكي مع مرشد")
    await press(services, COACH_YES)
    assert texts(await press(services, MENU)) == [text_of(services, QUEUED, "ar")]
    await process(services, Incoming(501, 501, "command", command="claim", telegram_language="ar"))
    assert texts(await press(services, MENU)) == [text_of(services, RELAY_NOTE, "ar")]


@pytest.mark.parametrize(("typed", "lang"), [("أمستردام", "ar"), ("اوتريخت", "ar"), ("لاهاي", "ar"), ("ኣምስተርዳም", "ti")])
async def test_a_municipality_typed_in_arabic_or_ethiopic_script_is_known(
    services: Services, typed: str, lang: str
) -> None:
    await press(services, INTAKE, lang)
    await press(services, "in:consent:yes", lang)
    await press(services, "in:skip", lang)  # the first name
    assert texts(await say(services, typed, lang)) == [text_of(services, form.BY_KEY["country"].question, lang)]


def test_every_alias_names_a_municipality() -> None:
    known = validate.municipalities()
    aliases = (validate.DATA / "municipality_aliases.txt").read_text("utf-8").splitlines()
    targets = {line.split("\t", 1)[1] for line in aliases if "\t" in line}
    assert targets <= set(known.names)


async def skip_to(services: Services, key: str, lang: str = "ar") -> None:
    await press(services, INTAKE, lang)
    await press(services, "in:consent:yes", lang)
    for _ in range([f.key for f in form.FIELDS].index(key)):
        await press(services, "in:skip", lang)


async def test_a_typed_number_of_days_is_taken(services: Services) -> None:
    await skip_to(services, "availability")
    (asked,) = texts(await say(services, "٥"))
    assert asked.startswith(text_of(services, form.BY_KEY["sectors"].question, "ar"))


async def test_a_typed_dutch_level_is_taken(services: Services) -> None:
    await skip_to(services, "dutch_level", "nl")
    assert texts(await say(services, "a2", "nl")) == [text_of(services, form.BY_KEY["other_languages"].question, "nl")]


async def test_other_text_at_a_choice_says_to_tap_a_button(services: Services) -> None:
    await skip_to(services, "education_level", "ti")
    hint, again = (await say(services, "ዩኒቨርሲቲ", "ti")).outgoing
    assert hint.text == text_of(services, form.USE_BUTTONS, "ti")
    assert again.text == text_of(services, form.BY_KEY["education_level"].question, "ti")
    assert again.buttons  # the choices again


async def test_a_false_alarm_in_the_intake_leads_back_to_it(services: Services) -> None:
    await skip_to(services, "profession")
    await say(services, "كنت اشتغل بمطعم بس صاحب المطعم ما دفعلي ومسك جوازي")  # pauses the intake
    (dismissed,) = (await press(services, "sg:no:1:o")).outgoing
    assert dismissed.text == text_of(services, respond.DISMISSED, "ar")
    assert [data for row in dismissed.buttons for _, data in row] == [INTAKE, MENU]
    resumed = texts(await press(services, INTAKE))
    assert resumed == [
        text_of(services, form.RESUME, "ar"),
        text_of(services, form.BY_KEY["profession"].question, "ar"),
    ]


@pytest.mark.parametrize(("lang", "hello", "yes"), [("ar", "مرحبا", "نعم"), ("nl", "hallo", "ja")])
async def test_a_typed_yes_to_delete_is_not_answered_okay(services: Services, lang: str, hello: str, yes: str) -> None:
    await say(services, hello, lang)
    (question,) = texts(await command(services, "delete", lang))
    hint, again = texts(await say(services, yes, lang))
    by_button = Msg('To delete everything, tap "Yes, delete everything" below the question.')
    assert (hint, again) == (text_of(services, by_button, lang), question)
    # Nothing was erased by the typed word: the export still has the conversation.
    transcript = export_of(await command(services, "mydata", lang))["transcript"]
    assert isinstance(transcript, list)
    assert any(entry["text"] == yes for entry in transcript)


async def test_a_typed_no_to_delete_deletes_nothing_and_says_so(services: Services) -> None:
    await command(services, "delete")
    assert texts(await say(services, "لا")) == [text_of(services, data_rights.NOTHING_DELETED, "ar")]


async def test_a_yes_long_after_delete_is_the_dialogs_again(services: Services) -> None:
    await command(services, "delete", "en")
    await say(services, "how do i write a cv", "en")  # the conversation went on
    (okay,) = texts(await say(services, "yes", "en"))
    assert okay.startswith(text_of(services, Msg("Okay! What else would you like to know?"), "en"))


async def test_a_voice_message_in_the_intake_gets_the_question_again(services: Services) -> None:
    await press(services, INTAKE)
    await press(services, "in:consent:yes")
    voice = Incoming(NEWCOMER, NEWCOMER, "voice", telegram_language="ar")
    note, asked = (await process(services, voice)).outgoing
    assert note.buttons == ()  # not the topic menu: the intake waits for its answer
    assert asked.text == text_of(services, form.BY_KEY["first_name"].question, "ar")


@pytest.mark.parametrize(
    ("lang", "question", "followup"),
    [("ar", "كيف اعادل شهادتي", "كم تكلف؟"), ("nl", "hoe laat ik mijn diploma waarderen", "hoeveel kost dat")],
)
async def test_a_short_follow_up_after_an_answer_is_answered_in_its_topic(
    services: Services, lang: str, question: str, followup: str
) -> None:
    def node(node_id: str) -> str:
        return (
            Renderer(services.translator, services.flows)
            .render(Reply(NodeText("diploma_recognition", node_id)), lang)[0]
            .text
        )

    assert texts(await say(services, question, lang))[0] == node("start")
    assert texts(await say(services, followup, lang))[0] == node("cost_time")
    # Without the answer before it, the same words are too vague: the topics are offered.
    assert texts(await command(services, "menu", lang))
    assert texts(await say(services, followup, lang))[0] == text_of(services, VAGUE, lang)

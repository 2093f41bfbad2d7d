"""`werkhelpdesk chat`: the same pipeline in a terminal."""

from __future__ import annotations

import io

from bot.chat import chat
from bot.dialog import STALE_BUTTON
from bot.services import Services


async def test_chat_answers_arabic_question_about_diploma_evaluation(services: Services) -> None:
    out = io.StringIO()
    await chat(services, None, io.StringIO("شلون بعادل شهادتي الجامعية؟\n1\n"), out)
    transcript = out.getvalue()
    assert services.flows.text("diploma_recognition", "start", "ar") in transcript
    assert "[1] " in transcript
    # Pressing button 1 walks to the first follow-up node, in Arabic.
    follow = services.flows.flows["diploma_recognition"].nodes["start"].buttons[0].goto
    assert follow is not None
    flow, node = services.flows.flows["diploma_recognition"].resolve(follow)
    assert services.flows.text(flow, node, "ar") in transcript


async def test_chat_with_a_fixed_language(services: Services) -> None:
    out = io.StringIO()
    await chat(services, "ti", io.StringIO("ik wil CV maken\n/help\n"), out)
    assert services.flows.text("cv_help", "start", "ti") in out.getvalue()


async def test_chat_shows_the_mydata_file_by_name_not_as_a_button(services: Services) -> None:
    out = io.StringIO()
    await chat(services, "ar", io.StringIO("/mydata\n1\n"), out)
    transcript = out.getvalue()
    assert "(file: werkhelpdesk-my-data.json)" in transcript
    assert "[1] werkhelpdesk-my-data.json" not in transcript
    # "1" was not a button: it went to the bot as text, not as a press of a stale button.
    assert services.translator.gettext("ar", STALE_BUTTON) not in transcript

"""`werkhelpdesk chat`: the same pipeline in a terminal."""

from __future__ import annotations

import io

from bot.chat import chat
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

"""The routing table: every update goes down these routes in order until one answers it (see
`bot.routing`). To add a route: a handler (and its predicate) in its own module here, and one row below.

Safeguarding comes first, before everything else, the flood rule included: a disclosure is always
answered with the help lines, however many messages came before it. A message the safeguarding model
is unsure about gets "Are you safe right now?" only on its way to the bot's own answer."""

from __future__ import annotations

from bot.routes import case, coach, data_rights, dialog, flood, followup, intake, safeguarding, staff, translation
from bot.routing import Route

ROUTES = (
    Route("safeguarding", safeguarding.applies, safeguarding.handle),
    Route("coaches' group", coach.in_group, coach.group),
    Route("staff command", staff.applies, staff.handle),
    Route("coach", coach.is_coach, coach.private),  # declines what is not coach business
    Route("flood", flood.applies, flood.handle),
    Route("data rights", data_rights.applies, data_rights.handle),
    Route("coach button of a non-coach", case.coach_button, case.ignore),
    Route("satisfaction", case.rates_own_closed_case, case.satisfaction),
    Route("work follow-up", followup.applies, followup.handle),
    Route("show the original", translation.show_original, translation.handle),
    Route("intake", intake.applies, intake.handle),
    Route("intake left for elsewhere", intake.went_elsewhere, intake.pause),  # pauses it, never answers
    Route("case relay", case.open_case, case.relay),
    Route("are you safe?", safeguarding.unsure, safeguarding.ask),  # never answers: asks, then the dialog
    Route("own dialog", dialog.always, dialog.handle),
)

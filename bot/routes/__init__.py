"""The routing table: every update goes down these routes in order until one answers it (see `bot.routing`); to add
a route, a handler (and predicate) in its own module here and one row below. Safeguarding comes first, the flood rule
included: a disclosure always gets the help lines, however many messages came before it."""

from __future__ import annotations

from bot.callbacks import CoachButton, FollowupAnswer, FollowupConsent, ShowOriginal
from bot.routes import case, coach, data_rights, dialog, flood, followup, intake, safeguarding, staff, translation
from bot.routing import Route, pressed

ROUTES = (
    Route("safeguarding", safeguarding.applies, safeguarding.handle),
    Route("coaches' group", coach.in_group, coach.group),
    Route("staff command", staff.applies, staff.handle),
    Route("coach", coach.is_coach, coach.private),  # declines what is not coach business
    Route("flood", flood.applies, flood.handle),
    Route("data rights", data_rights.applies, data_rights.handle),
    Route("coach button of a non-coach", pressed(CoachButton), case.ignore),
    Route("satisfaction", case.rates_own_closed_case, case.satisfaction),
    Route("work follow-up", pressed(FollowupConsent, FollowupAnswer), followup.handle),
    Route("show the original", pressed(ShowOriginal), translation.handle),
    Route("intake", intake.applies, intake.handle),
    Route("intake left for elsewhere", intake.went_elsewhere, intake.pause),  # pauses it, never answers
    Route("case relay", case.open_case, case.relay),
    Route("are you safe?", safeguarding.unsure, safeguarding.ask),  # never answers: asks, then the dialog
    Route("own dialog", dialog.always, dialog.handle),
)

"""The coach console's pages (`/console/…`), server-rendered with htmx for the live transcript. Every request is
checked on the server: a signed-in coach (else 401 or the sign-in page) and the CSRF token for every change."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console import auth, cases
from bot.console.watch import PageWatch
from bot.db.models import CASE_CLAIMED, CASE_CLOSED, CannedReply, Case, Coach, Message, User, utcnow
from bot.handoff import queue as handoff_queue
from bot.handoff import service
from bot.handoff.service import Turn
from bot.intake import form as intake_form
from bot.languages import LANGUAGES, NATIVE_NAMES
from bot.outbox import Outbox
from bot.render import Renderer
from bot.services import Services
from bot.translate.drafts import DraftRefusedError
from bot.web import console_translate
from bot.web.i18n import ConsoleCatalogs, pick_language
from bot.web.security import CSRF_FIELD, csrf_ok

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
COOKIE = "console_session"
LOGIN_COOKIE = "console_login"
PUBLIC = ("/console/static/", "/console/login")
CASE_ROUTE = "console-case"
POLL_ROUTE = "console-transcript"  # what an open case page polls every 2 s
MAX_REPLY = 4000
MAX_WAITED = 60 * 24 * 366 * 10  # the queue's "waiting at least" filter, in minutes (ten years)
MAX_NOTE = 2000
CANNED_STAFF = "only staff manage canned replies"
REPLY_ACTIONS = frozenset({"reply", "translate"})  # the forms of the reply box (its text is `text`)

Deliver = Callable[[], Awaitable[None]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Action = Callable[[Turn, Coach, Case, Any], Awaitable[None]]  # on a case, in one transaction (see _act)
SIGNED_IN = web.RequestKey("console_signed_in", auth.SignedIn)
T = TypeVar("T")


class Console:
    """What the console's handlers share (one per web application)."""

    def __init__(self, services: Services, deliver: Deliver | None) -> None:
        self.services = services
        self.catalogs = ConsoleCatalogs.load(services.settings.locales_dir)
        self._deliver = deliver
        self._tasks: set[asyncio.Task[None]] = set()
        self.watch = PageWatch(services.engine)
        # For reads and single writes that need no transaction of their own: no BEGIN and COMMIT
        # round trips (on PostgreSQL each statement of a READ COMMITTED transaction reads afresh anyway).
        self.autocommit_engine = services.engine.execution_options(isolation_level="AUTOCOMMIT")

    def nudge(self) -> None:
        """Send what the last action put in the outbox now, in the background."""
        if self._deliver is None:
            return
        task = asyncio.create_task(self._deliver_logged())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Let the deliveries under way finish: they use the database, which closes after the web server."""
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.watch.close()

    async def _deliver_logged(self) -> None:
        assert self._deliver is not None
        try:
            await self._deliver()
        except Exception:
            log.exception("console: delivering the outbox failed (the periodic drain will retry)")

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[Turn]:
        """One transaction like a Telegram update's: the outbox rows commit with the change."""
        services = self.services
        async with services.sessions() as session, session.begin():
            outbox = Outbox(session, Renderer(services.translator, services.flows), None)
            turn = Turn(session, outbox, services.settings, services.flows, utcnow())
            yield turn
            await outbox.write()
        self.nudge()


CONSOLE = web.AppKey("console", Console)


def _console(request: web.Request) -> Console:
    return request.app[CONSOLE]


def signed_in(request: web.Request) -> auth.SignedIn:
    return request[SIGNED_IN]


def _lang(request: web.Request) -> str:
    who = request.get(SIGNED_IN)
    preferred: list[str | None] = who.coach.speaks() if who else []
    return pick_language(preferred, request.headers.get("Accept-Language", ""))


# The console's names of the languages (their msgids are in the console catalog: content_unanswered.html).
LANGUAGE_MSGIDS = {"nl": "Dutch", "en": "English", "ar": "Arabic", "ti": "Tigrinya"}


def language_names(catalogs: ConsoleCatalogs, lang: str) -> dict[str, str]:
    """Each language by its name in the console's language and its own: "Tigrinya (ትግርኛ)". A coach who
    reads only Dutch cannot tell which language "ትግርኛ" is; a translator still finds their own."""
    names = {}
    for code, native in NATIVE_NAMES.items():
        name = catalogs.gettext(lang, LANGUAGE_MSGIDS[code])
        names[code] = native if name == native else f"{name} ({native})"
    return names


def _context(request: web.Request) -> dict[str, Any]:
    catalogs = _console(request).catalogs
    lang = _lang(request)

    def gettext(msgid: str, **params: Any) -> str:
        text = catalogs.gettext(lang, msgid)
        return text % params if params else text

    def ngettext(singular: str, plural: str, num: int, **params: Any) -> str:
        return catalogs.ngettext(lang, singular, plural, num) % {"num": num, **params}

    who = request.get(SIGNED_IN)
    return {
        "_": gettext,
        "ngettext": ngettext,
        "ui_lang": lang,
        "me": who.coach if who else None,
        "staff": bool(who and who.coach.is_staff),
        "csrf": who.csrf_token if who else "",
        "csrf_field": CSRF_FIELD,
        "native_names": language_names(catalogs, lang),
        "topic_title": lambda topic: service.topic_title(_console(request).services.flows, topic, lang),
        "languages": LANGUAGES,
    }


def day_time(at: datetime) -> str:
    return at.strftime("%d-%m %H:%M")


def render(name: str, request: web.Request, context: dict[str, Any], *, status: int = 200) -> web.Response:
    """A template with what every page needs (translations, the coach, the CSRF token)."""
    return aiohttp_jinja2.render_template(name, request, {**_context(request), **context}, status=status)


# authentication --------------------------------------------------------------------------------------
def _secure(request: web.Request) -> bool:
    return request.secure or _console(request).services.settings.console_base_url().startswith("https://")


@web.middleware
async def require_coach(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    if not path.startswith("/console") or path.startswith(PUBLIC):
        return await handler(request)
    console = _console(request)
    token = request.cookies.get(COOKIE, "")
    route = request.match_info.route.name
    if token and route == POLL_ROUTE and await _nothing_new(request, console, token):
        return web.Response(status=204)
    who = None
    if token:
        settings = console.services.settings
        async with console.autocommit_engine.connect() as db:
            who = await auth.current(db, token, utcnow(), timedelta(hours=settings.console_session_hours))
    if who is None:
        if route == POLL_ROUTE and "HX-Request" in request.headers:
            # htmx drops a 401: the page would go quiet. Say it where the conversation was; no more polls.
            return render("_transcript_signed_out.html", request, {})
        if request.method == "GET" and "HX-Request" not in request.headers:
            raise web.HTTPSeeOther("/console/login")
        raise web.HTTPUnauthorized(text="sign in again: send /console to the bot")
    request[SIGNED_IN] = who
    if route in {CASE_ROUTE, POLL_ROUTE}:  # a page that polls: its next polls can be answered from the watch
        console.watch.remember_session(who.session_hash, who.seen_at)
    if request.method not in {"GET", "HEAD"} and not await csrf_ok(request, who.csrf_token):
        raise FormExpired(text="the form expired: reload the page and try again")
    return await handler(request)


class FormExpired(web.HTTPForbidden):
    """A form of an earlier session (or none): nothing of it was done."""


FILE_GONE = "this file is no longer available"
FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


@web.middleware
async def readable_refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A refusal as a console page in the coach's language instead of a bare English line, with what
    they typed when it was a form (a session that ended or a stale form must not lose a reply)."""
    try:
        return await handler(request)
    except web.HTTPException as refusal:
        if (
            refusal.status not in {401, 403, 404}
            or not request.path.startswith("/console")
            or "HX-Request" in request.headers  # htmx swaps no error answer: a page would go unseen
        ):
            raise
        unsent = ""
        if request.method == "POST" and request.content_type in FORMS:
            unsent = str((await request.post()).get("text", "")).strip()
        if refusal.status == 401 or request.path.startswith("/console/login/"):
            problem = "session" if refusal.status == 401 else "link"
            return render("signed_out.html", request, {"problem": problem, "unsent": unsent}, status=refusal.status)
        if isinstance(refusal, FormExpired):
            reason = "form_expired"
        elif refusal.status == 403:
            reason = "forbidden"
        else:
            reason = "file_gone" if refusal.text == FILE_GONE else "not_found"
        return render("refusal.html", request, {"reason": reason, "unsent": unsent}, status=refusal.status)


async def _nothing_new(request: web.Request, console: Console, token: str) -> bool:
    """A poll of an open page answered from the replica's watch (bot/console/watch.py): no query."""
    case_id, after = number(request.match_info["case_id"]), number(request.query.get("after", ""))
    if case_id is None or after is None:
        return False
    session_hash = auth.digest(token)
    return await console.watch.nothing_new(session_hash, case_id, after, utcnow(), auth.TOUCH_EVERY)


async def signed_out(request: web.Request) -> web.StreamResponse:
    return render("signed_out.html", request, {"problem": None, "unsent": ""})


async def login_page(request: web.Request) -> web.StreamResponse:
    """A button to press, not a sign-in on GET: link previews must not spend the one-time link."""
    check = secrets.token_urlsafe(16)
    response = render("login.html", request, {"token": request.match_info["token"], "check": check})
    response.set_cookie(
        LOGIN_COOKIE,
        check,
        max_age=600,
        path="/console/login",
        httponly=True,
        samesite="Strict",
        secure=_secure(request),
    )
    return response


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    check = request.cookies.get(LOGIN_COOKIE, "")
    if not check or not secrets.compare_digest(check, str(form.get("check", ""))):
        raise web.HTTPForbidden(text="open the link from the bot again")
    console = _console(request)
    async with console.services.sessions() as session, session.begin():
        coach = await auth.redeem(session, request.match_info["token"], utcnow())
        if coach is None:
            return render("signed_out.html", request, {"problem": "link", "unsent": ""}, status=401)
        token, _who = await auth.open_session(session, coach, utcnow())
    response = web.HTTPSeeOther("/console/")
    response.set_cookie(COOKIE, token, path="/console", httponly=True, samesite="Lax", secure=_secure(request))
    response.del_cookie(LOGIN_COOKIE, path="/console/login")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    console = _console(request)
    async with console.services.sessions() as session, session.begin():
        await auth.end_session(session, signed_in(request).session_hash)
    console.watch.forget_session(signed_in(request).session_hash)
    response = web.HTTPSeeOther("/console/login")
    response.del_cookie(COOKIE, path="/console")
    raise response


# the queue -------------------------------------------------------------------------------------------
def _filter(request: web.Request) -> cases.QueueFilter:
    query = request.query
    view = query.get("view", "waiting")
    waited = query.get("waited", "")
    return cases.QueueFilter(
        view=view if view in cases.VIEWS else "waiting",
        language=query.get("language", "") if query.get("language", "") in LANGUAGES else "",
        topic=query.get("topic", "")[:64],
        urgent=query.get("urgent") == "1",
        waited_minutes=number(waited, MAX_WAITED) or 0,
    )


async def queue_page(request: web.Request, problem: Any = None, status: int = 200) -> web.StreamResponse:
    who = signed_in(request)
    wanted = _filter(request)
    async with _console(request).services.sessions() as session:
        context = {
            "filter": wanted,
            "rows": await cases.queue(session, who.coach, wanted, utcnow()),
            "counts": await cases.counts(session, who.coach),
            "topics": await cases.topics(session),
            "views": cases.VIEWS,
            "problem": problem,
            "mt_wait": await console_translate.wait_minutes(request, session),
        }
    return render("queue.html", request, context, status=status)


async def claim(request: web.Request) -> web.StreamResponse:
    case_id = path_id(request)
    who = signed_in(request)
    try:
        async with _console(request).turn() as turn:
            coach = await _fresh_coach(turn, who)
            await cases.claim(turn, coach, case_id)
    except cases.Refused as refused:
        return await queue_page(request, refused, 409)
    raise web.HTTPSeeOther(f"/console/cases/{case_id}")


# a case ----------------------------------------------------------------------------------------------
MAX_ID = 2**31 - 1  # database ids are PostgreSQL integers: a larger number names nothing


def number(raw: str, largest: int = MAX_ID) -> int | None:
    """A whole number from a URL or form up to `largest`, else None: a larger one fails in the database
    (or, long enough, in int()) and would be a server error instead of "not found"."""
    if not raw.isdigit() or len(raw) > len(str(largest)) or int(raw) > largest:
        return None
    return int(raw)


async def by_number(session: AsyncSession, model: type[T], raw: str) -> T | None:
    """The row whose id is the number `raw` from a URL or form, or None (not a number, or no such row)."""
    row_id = number(raw)
    return await session.get(model, row_id) if row_id is not None else None


def path_id(request: web.Request, name: str = "case_id") -> int:
    """A number of the URL's path (404 for anything else)."""
    found = number(request.match_info[name])
    if found is None:
        raise web.HTTPNotFound()
    return found


async def _fresh_coach(turn: Turn, who: auth.SignedIn) -> Coach:
    coach = await turn.session.get(Coach, who.coach.id)
    if coach is None:
        raise web.HTTPUnauthorized()
    return coach


def found(value: T | None) -> T:
    """`value`, or 404 when there is none."""
    if value is None:
        raise web.HTTPNotFound()
    return value


async def _case(session: AsyncSession, case_id: int) -> Case:
    return found(await session.get(Case, case_id))


def _intake_rows(request: web.Request, answers: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The intake as the coach's Telegram card shows it: labels and chosen options in the coach's
    language (the bot's catalogs), not the stored keys and codes ("education_level: bachelor")."""
    if not answers:
        return []
    services = _console(request).services
    renderer, lang = Renderer(services.translator, services.flows), _lang(request)
    rows = [
        (renderer.text(label, lang), renderer.text(value, lang)) for label, value in intake_form.summary_rows(answers)
    ]
    return rows + [(key, str(value)) for key, value in answers.items() if key not in intake_form.BY_KEY]


def _case_context(request: web.Request, view: cases.CaseView_) -> dict[str, Any]:
    case = view.case
    me = signed_in(request).coach.id
    mine = case.status == CASE_CLAIMED and case.coach_id == me
    return {
        "view": view,
        "case": case,
        "intake": _intake_rows(request, view.intake),
        "mine": mine,
        "closed": case.status == CASE_CLOSED,
        "last_id": view.newest,
        "outcomes": handoff_queue.OUTCOMES[:4],
        "others": [c for c in view.coaches if c.id != me],
        "canned": view.canned if mine else [],  # shown with the reply box
        "problem": None,
        "draft": "",
        "missing": None,
        "unsent": "",
    }


async def case_page(request: web.Request, problem: Any = None, status: int = 200) -> web.StreamResponse:
    """Read and recorded in the access log (bot/console/cases.case_view) without BEGIN and COMMIT:
    the page is shown only once its view is in the log."""
    who = signed_in(request)
    console = _console(request)
    async with console.autocommit_engine.connect() as db:
        view = found(await cases.case_view(db, path_id(request), who.coach))
    console.watch.remember_case(view.case.id, view.newest)
    context = _case_context(request, view)
    context["problem"] = problem
    if problem is not None and request.path.rsplit("/", 1)[-1] in REPLY_ACTIONS:
        # A refused reply keeps its text: in the box, or shown to copy when the case is no longer theirs.
        typed = str((await request.post()).get("text", "")).strip()
        context["draft" if context["mine"] else "unsent"] = typed
    await console_translate.annotate(request, context)  # machine translation, outside the transaction
    return render("case.html", request, context, status=status)


async def transcript(request: web.Request) -> web.StreamResponse:
    """htmx polls this: 204 (nothing to swap) until a message newer than `after` exists. Most polls
    are answered before this, from the replica's watch (require_coach)."""
    after = number(request.query.get("after", "0"))
    watch = _console(request).watch
    async with _console(request).autocommit_engine.connect() as db:
        view = found(await cases.case_view(db, path_id(request)))
        fresh = after is None or view.newest > after
        # Polls of an open page are not views (its view is logged), but ?after=0 without the page would
        # read a transcript unlogged: a poll that shows messages is logged unless the page was viewed.
        coach, hours = signed_in(request).coach, _console(request).services.settings.console_session_hours
        if fresh and not await cases.viewed_since(db, view.case.id, coach, utcnow() - timedelta(hours=hours)):
            await cases.record_view(db, view.case.id, coach, "case")
    watch.remember_case(view.case.id, view.newest)
    if not fresh:
        return web.Response(status=204)
    context = {"view": view, "case": view.case, "last_id": view.newest}
    await console_translate.annotate(request, context)
    return render("_transcript.html", request, context)


async def _act(request: web.Request, action: Action, *, anchor: str = "") -> web.StreamResponse:
    """Run an action on the case in one transaction, then show the case again (PRG)."""
    case_id = path_id(request)
    form = await request.post()
    try:
        async with _console(request).turn() as turn:
            coach = await _fresh_coach(turn, signed_in(request))
            case = await _case(turn.session, case_id)
            await action(turn, coach, case, form)
    except cases.Refused as refused:
        return await case_page(request, refused, 409)
    except DraftRefusedError as refused:
        return await case_page(request, console_translate.refused(refused), 409)
    raise web.HTTPSeeOther(f"/console/cases/{case_id}" + (f"#{anchor}" if anchor else ""))


async def reply(request: web.Request) -> web.StreamResponse:
    """Text, a file or both. The file first goes to the coach's own chat with the bot (so Telegram
    holds it and the coach sees what they sent); the outbox then copies it to the newcomer."""
    form = await request.post()
    upload = form.get("file")
    staged: int | None = None
    if isinstance(upload, web.FileField) and upload.filename:
        async with _console(request).services.sessions() as session:
            case = await _case(session, path_id(request))
            if case.status != CASE_CLAIMED or case.coach_id != signed_in(request).coach.id:
                return await case_page(request, cases.Refused("not_yours"), 409)
        staged = await _stage_file(request, upload)
        if staged is None:
            return await case_page(request, cases.Refused("file"), 502)

    async def act(turn: Turn, coach: Coach, case: Case, form: Any) -> None:
        text = str(form.get("text", "")).strip()
        if not text and staged is None:
            raise cases.Refused("empty")
        if text:
            await cases.reply(turn, coach, case, text[:MAX_REPLY])
        if staged is not None:
            await cases.reply_file(turn, coach, case, staged)

    return await _act(request, act)


async def _stage_file(request: web.Request, upload: web.FileField) -> int | None:
    """sendDocument to the coach's own chat; the message id, or None when Telegram refused it."""
    settings = _console(request).services.settings
    data = aiohttp.FormData()
    data.add_field("chat_id", str(signed_in(request).coach.telegram_id))
    data.add_field("document", upload.file.read(), filename=upload.filename[:100], content_type=upload.content_type)
    url = f"{settings.telegram_api_url}/bot{settings.telegram_token}/sendDocument"
    try:
        async with _console(request).services.http.post(url, data=data) as answer:
            sent = await answer.json()
    except (aiohttp.ClientError, TimeoutError, ValueError):
        log.warning("console: Telegram did not take an attached file")
        return None
    if not sent.get("ok"):
        log.warning("console: Telegram refused an attached file (%s)", sent.get("error_code"))
        return None
    return int(sent["result"]["message_id"])


def _case_action(action: Action) -> Handler:
    """A handler that runs `action` on the URL's case (see `_act`)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return await _act(request, action)

    return handler


@_case_action
async def release(turn: Turn, coach: Coach, case: Case, _form: Any) -> None:
    cases.must_be_mine(case, coach)
    await service.release_case(turn, coach, case)


@_case_action
async def transfer(turn: Turn, coach: Coach, case: Case, form: Any) -> None:
    cases.must_be_mine(case, coach)
    target = await by_number(turn.session, Coach, str(form.get("to", "")))
    if target is None or target.id == coach.id:
        raise cases.Refused("no_target")
    await service.transfer_case(turn, coach, case, target)


@_case_action
async def close(turn: Turn, coach: Coach, case: Case, form: Any) -> None:
    cases.must_be_mine(case, coach)
    outcome = str(form.get("outcome", ""))
    if outcome not in handoff_queue.OUTCOMES:
        raise cases.Refused("outcome")
    await service.close_case(turn, coach, case, outcome)


@_case_action
async def note(turn: Turn, coach: Coach, case: Case, form: Any) -> None:
    text = str(form.get("text", "")).strip()
    if not text or case.status == CASE_CLOSED:
        raise cases.Refused("empty")
    await handoff_queue.note(turn.session, coach, case, text[:MAX_NOTE])


async def media(request: web.Request) -> web.StreamResponse:
    """A newcomer's photo or voice message, fetched from Telegram for a signed-in coach (logged)."""
    console = _console(request)
    who = signed_in(request)
    async with console.services.sessions() as session, session.begin():
        case = await _case(session, path_id(request))
        message = await session.get(Message, path_id(request, "message_id"))
        user = await session.get(User, case.user_id) if case.user_id else None
        if message is None or user is None or message.user_id != user.id or message.kind not in cases.MEDIA_KINDS:
            raise web.HTTPNotFound()
        file_id = message.file_id
        if file_id is None:
            raise web.HTTPNotFound(text=FILE_GONE)
        await cases.record_view(session, case.id, who.coach, "media")
    settings = console.services.settings
    api = f"{settings.telegram_api_url}/bot{settings.telegram_token}"
    http = console.services.http
    async with http.post(f"{api}/getFile", json={"file_id": file_id}) as answer:
        found = await answer.json()
    path = (found.get("result") or {}).get("file_path")
    if not found.get("ok") or not path:
        raise web.HTTPNotFound(text=FILE_GONE)
    async with http.get(f"{settings.telegram_api_url}/file/bot{settings.telegram_token}/{path}") as download:
        if download.status != 200:
            raise web.HTTPNotFound(text=FILE_GONE)
        body = await download.read()
    name = f"case{case.id}-{message.kind}-{message.id}"
    return web.Response(
        body=body,
        content_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# canned replies --------------------------------------------------------------------------------------
async def canned_page(request: web.Request, problem: str | None = None, status: int = 200) -> web.StreamResponse:
    async with _console(request).services.sessions() as session:
        replies = await cases.canned_replies(session)
    context = {"replies": replies, "problem": problem}
    return render("canned.html", request, context, status=status)


def staff_only(request: web.Request, refusal: str) -> Coach:
    coach = signed_in(request).coach
    if not coach.is_staff:
        raise web.HTTPForbidden(text=refusal)
    return coach


async def canned_save(request: web.Request) -> web.StreamResponse:
    """Staff add or edit a canned reply: a title and a text per language (empty: missing)."""
    staff_only(request, CANNED_STAFF)
    form = await request.post()
    title = str(form.get("title", "")).strip()[:120]
    if not title:
        return await canned_page(request, "title", 400)
    texts = {lang: str(form.get(f"text_{lang}", "")).strip()[:MAX_REPLY] for lang in LANGUAGES}
    texts = {lang: text for lang, text in texts.items() if text}
    raw_id = str(form.get("id", ""))
    async with _console(request).services.sessions() as session, session.begin():
        row = await by_number(session, CannedReply, raw_id)
        if row is None:
            row = CannedReply(title=title, texts=texts)
            session.add(row)
        else:
            row.title, row.texts = title, texts
    raise web.HTTPSeeOther("/console/canned")


async def canned_delete(request: web.Request) -> web.StreamResponse:
    staff_only(request, CANNED_STAFF)
    raw = request.match_info["canned_id"]
    async with _console(request).services.sessions() as session, session.begin():
        row = await by_number(session, CannedReply, raw)
        if row is not None:
            await session.delete(row)
    raise web.HTTPSeeOther("/console/canned")


async def canned_insert(request: web.Request) -> web.StreamResponse:
    """The reply box with the canned reply in the newcomer's language, or a note that it is missing."""
    raw = request.query.get("canned", "")
    async with _console(request).services.sessions() as session:
        case = await _case(session, path_id(request))
        row = await by_number(session, CannedReply, raw)
        newcomer = await session.get(User, case.user_id) if case.user_id else None
    lang = (newcomer.chosen_language or newcomer.last_language if newcomer else None) or case.language
    text = (row.texts or {}).get(lang) if row else None
    typed = request.query.get("text", "").strip()  # the reply box's text so far (hx-include): kept, first
    draft = "\n\n".join(part for part in (typed, text) if part)
    context = {"case": case, "draft": draft, "missing": None if text or row is None else lang}
    return render("_reply_box.html", request, context)


async def _close_console(app: web.Application) -> None:
    await app[CONSOLE].close()


def setup_console(app: web.Application, services: Services, deliver: Deliver | None) -> None:
    app[CONSOLE] = Console(services, deliver)
    app.on_cleanup.append(_close_console)
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        auto_reload=False,  # compiled once: no stat() of every template (and include) on every render
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    # Filters, not method calls: a template's call of a method goes through Jinja's Context.call.
    env.filters["day_time"] = day_time
    env.filters["iso"] = datetime.isoformat
    app.middlewares.append(readable_refusals)  # outside require_coach: it shows that one's refusals too
    app.middlewares.append(require_coach)
    app.router.add_static("/console/static/", HERE / "static", append_version=False)
    add = app.router.add_route
    add("GET", "/console/login", signed_out)
    add("GET", "/console/login/{token}", login_page)
    add("POST", "/console/login/{token}", login)
    add("POST", "/console/logout", logout)
    add("GET", "/console", to_queue)
    add("GET", "/console/", queue_page)
    add("GET", "/console/canned", canned_page)
    add("POST", "/console/canned", canned_save)
    add("POST", "/console/canned/{canned_id}/delete", canned_delete)
    add("POST", "/console/cases/{case_id}/claim", claim)
    add("GET", "/console/cases/{case_id}", case_page, name=CASE_ROUTE)
    add("GET", "/console/cases/{case_id}/transcript", transcript, name=POLL_ROUTE)
    add("GET", "/console/cases/{case_id}/canned", canned_insert)
    add("GET", "/console/cases/{case_id}/media/{message_id}", media)
    add("POST", "/console/cases/{case_id}/reply", reply)
    add("POST", "/console/cases/{case_id}/release", release)
    add("POST", "/console/cases/{case_id}/transfer", transfer)
    add("POST", "/console/cases/{case_id}/close", close)
    add("POST", "/console/cases/{case_id}/note", note)
    from bot.web.reports import add_routes as add_report_routes  # here: that module imports this one

    add_report_routes(app)
    console_translate.add_routes(app)
    from bot.web.content import setup_content  # the staff pages (they import this module)

    setup_content(app)


async def to_queue(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/console/")

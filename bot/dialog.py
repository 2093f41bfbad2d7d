"""The dialog core, pure: from an event, the conversation state and the NLU result it decides the replies (message
ids and flow references), the new state and any change of language; it sends and stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.callbacks import ActionButton, LanguageButton, NodeButton, OtherTopic, TopicButton, decode, encode
from bot.flows.model import Flow, FlowSet
from bot.languages import LANGUAGES, NATIVE_NAMES
from bot.messages import Button, ButtonLabel, FlowTitle, Msg, NodeText, Plain, Reply, t_, tn_
from bot.nlu.compose import NOT_QUESTIONS
from bot.nlu.types import RUNNER_UP, NluResult

MENU = encode(ActionButton("menu"))
LANGUAGE = encode(ActionButton("language"))
COACH = encode(ActionButton("coach"))
COACH_YES = encode(ActionButton("coach_yes"))
INTAKE = encode(ActionButton("intake"))
SMALL_TALK_WITHOUT_FLOW = frozenset({"affirm", "deny"})
COACH_AFTER = 3  # the third unsure, vague or out-of-scope turn in a row offers a coach
VAGUE_WORDS = 4  # a message this short read as out of scope gets the topic menu (vague, not off-topic)
FOLLOWUP_WORDS = 10  # up to this many words, a message is also read as a follow-up of the topic just answered
# A follow-up also wins over another topic read below this confidence (that topic then gets a button): on two
# held-out sets 0.7 answered 11 more follow-ups right for 1 new question kept in the old topic (bench/README.md).
FOLLOWUP_OVER = 0.7
# How much nearer a node of the topic must be than its general questions (cosine): when the classifier also reads
# the topic, its own node rule's margin (0.0 answered one more follow-up of set A, and 8 of 351 general
# questions more with a node instead of the opening: bench/README.md); more when it is sure the message is
# about something else.
FOLLOWUP_MARGIN = 0.10
FOLLOWUP_MARGIN_SAME_TOPIC = 0.03
FOLLOWUP_MARGIN_OFF_TOPIC = 0.15
# out_of_scope from this confidence on asks for FOLLOWUP_MARGIN_OFF_TOPIC. 0.75: "ik heb geen tijd nu" read 0.90,
# now 0.76-0.83 as the training data grows; both held-out follow-up sets are the same at 0.75, 0.85 and 0.9.
OFF_TOPIC_SURE = 0.75


@dataclass(frozen=True)
class State:
    flow: str | None = None
    node: str | None = None
    low_confidence_streak: int = 0


@dataclass(frozen=True)
class TextIn:
    text: str
    nlu: NluResult
    # The node of the topic just answered that the message asks about, read as a follow-up ("and how much does
    # it cost?"); None when it is not one. Set by `Dialog.read_followup`.
    followup: str | None = None


@dataclass(frozen=True)
class FollowupQuery:
    intent: str  # the topic just answered: the message is compared with its nodes
    margin: float  # how much nearer a node must be than the topic's general questions
    among: frozenset[str]  # the nodes in reach: the answer shown, where it leads, and the topic's own answers


# (intent, text, margin, nodes in reach) -> the node a follow-up asks about (EmbeddedClassifier.followup)
FollowupLookup = Callable[[str, str, float, frozenset[str]], str | None]


@dataclass(frozen=True)
class ButtonIn:
    data: str


@dataclass(frozen=True)
class CommandIn:
    name: str
    args: str = ""


@dataclass(frozen=True)
class MediaIn:
    kind: str


@dataclass(frozen=True)
class EditedIn:
    pass


Event = TextIn | ButtonIn | CommandIn | MediaIn | EditedIn


@dataclass(frozen=True)
class HandoffRequest:
    reason: str  # asked, low_confidence, sensitive
    topic: str | None = None


@dataclass(frozen=True)
class HandoffInfo:
    """What the newcomer is told before queueing: the wait now, or when the coaches are back."""

    wait: Msg


@dataclass(frozen=True)
class Outcome:
    replies: tuple[Reply, ...]
    state: State
    chosen_language: str | None = None  # set when the user explicitly picked a language
    unanswered: bool = False  # low confidence or out of scope: staff should see it
    intent: str | None = None
    handoff: HandoffRequest | None = None
    start_intake: bool = False
    asked_back: bool = False  # unsure: the newcomer was asked which topic they meant (reports)


@dataclass(frozen=True)
class DialogConfig:
    flows: FlowSet
    threshold: float
    actions: frozenset[str] = frozenset({"menu", "language"})  # built-in actions this deployment offers


def language_buttons() -> tuple[tuple[Button, ...], ...]:
    buttons = [Button(Plain(NATIVE_NAMES[lang]), encode(LanguageButton(lang))) for lang in LANGUAGES]
    return (tuple(buttons[:2]), tuple(buttons[2:]))


def menu_buttons(flows: FlowSet) -> tuple[tuple[Button, ...], ...]:
    items = [Button(FlowTitle(f.id), encode(NodeButton(f.id, f.start))) for f in flows.menu()]
    rows = tuple(tuple(items[i : i + 2]) for i in range(0, len(items), 2))
    return (*rows, (Button(t_("Choose language"), LANGUAGE),))


def topic_buttons(flow: Flow, node_id: str) -> tuple[tuple[Button, ...], ...]:
    """The topic's other answers (the start node's links), below a node answered directly."""
    own = {b.goto for b in flow.nodes[node_id].buttons}
    rows: list[tuple[Button, ...]] = []
    for i, button in enumerate(flow.nodes[flow.start].buttons):
        if button.goto is None or button.goto == node_id or button.goto in own:
            continue
        target_flow, target_node = flow.resolve(button.goto)
        if target_flow == flow.id and target_node == node_id:
            continue
        rows.append((Button(ButtonLabel(flow.id, flow.start, i), encode(NodeButton(target_flow, target_node))),))
    return tuple(rows)


def _linked(flow: Flow, node_id: str) -> set[str]:
    """The nodes of the same flow that the node's buttons lead to."""
    found = set()
    for button in flow.nodes[node_id].buttons:
        if button.goto is not None and (target := flow.resolve(button.goto))[0] == flow.id:
            found.add(target[1])
    return found


def _entity_node(flow: Flow, nlu: NluResult) -> str | None:
    """The node the flow routes one of the message's entities to ("ik ben apotheker": BIG), if any."""
    for entity, routes in flow.entities.items():
        value = nlu.entity(entity)
        if value is not None and value in routes:
            return routes[value]
    return None


def _reachable(flow: Flow, node_id: str) -> set[str]:
    """The node and every node of the same flow its buttons lead to, step by step."""
    found, todo = {node_id}, [node_id]
    while todo:
        for target in _linked(flow, todo.pop()) - found:
            found.add(target)
            todo.append(target)
    return found


MAIN_MENU = Button(t_("Main menu"), MENU)


def with_menu_button(text: Msg) -> Reply:
    """A message with only the main-menu button below it."""
    return Reply(text, ((MAIN_MENU,),))


def node_reply(flow: Flow, node_id: str, actions: frozenset[str], extra: tuple[tuple[Button, ...], ...] = ()) -> Reply:
    """A flow node as a reply: its text, its follow-up buttons, `extra` rows, then the main-menu button."""
    node = flow.nodes[node_id]
    rows: list[tuple[Button, ...]] = []
    for i, button in enumerate(node.buttons):
        if button.goto is not None:
            target_flow, target_node = flow.resolve(button.goto)
            rows.append((Button(ButtonLabel(flow.id, node_id, i), encode(NodeButton(target_flow, target_node))),))
        elif button.action == "language":  # coach, menu and intake are in the rows below instead
            rows.extend(language_buttons())
    rows.extend(extra)
    if "intake" in actions and flow.menu is not None:
        rows.append((Button(t_("Sign up for guidance"), INTAKE),))
    rows.append((Button(t_("Talk to a coach"), COACH), MAIN_MENU) if "coach" in actions else (MAIN_MENU,))
    return Reply(NodeText(flow.id, node_id), tuple(rows))


class Dialog:
    """Decides what to answer. Holds only immutable configuration (the flows and the threshold)."""

    def __init__(self, config: DialogConfig, handoff: HandoffInfo | None = None) -> None:
        self._flows = config.flows
        self._threshold = config.threshold
        self._actions = config.actions if handoff is not None else config.actions - {"coach"}
        self._handoff = handoff

    def decide(self, event: Event, state: State) -> Outcome:
        if isinstance(event, CommandIn):
            return self._command(event, state)
        if isinstance(event, ButtonIn):
            return self._button(event, state)
        if isinstance(event, MediaIn):
            return self._with_menu(MEDIA, state)
        if isinstance(event, EditedIn):
            return Outcome((Reply(EDITED),), state)
        return self._text(event, state)

    def read_followup(self, event: Event, state: State, lookup: FollowupLookup) -> Event:
        """The event with the node it asks about as a follow-up of the topic just answered, if `lookup` finds one
        (only asked when its answer could count)."""
        query = self.followup_topic(event, state)
        if query is None or not isinstance(event, TextIn):
            return event
        return replace(event, followup=lookup(query.intent, event.text, query.margin, query.among))

    def followup_topic(self, event: Event, state: State) -> FollowupQuery | None:
        """The intent whose nodes a short typed message should be compared with (the topic just answered)."""
        if not isinstance(event, TextIn) or state.flow is None or len(event.text.split()) > FOLLOWUP_WORDS:
            return None
        flow = self._flows.flows.get(state.flow)
        if flow is None or flow.menu is None or not flow.intents:
            return None
        topic, nlu = flow.intents[0], event.nlu
        if not self._may_follow(nlu, flow):
            return None  # the classifier's own reading answers: no need to look
        # Not a node of another branch: after the teacher's answer "how long does it take" is not BIG's cost.
        shown = state.node if state.node in flow.nodes else flow.start
        among = frozenset({*_reachable(flow, shown), *_linked(flow, flow.start)})
        if nlu.intent == topic and nlu.confidence >= self._threshold:
            return FollowupQuery(topic, FOLLOWUP_MARGIN_SAME_TOPIC, among)
        if nlu.intent == "out_of_scope" and nlu.confidence >= OFF_TOPIC_SURE:
            return FollowupQuery(topic, FOLLOWUP_MARGIN_OFF_TOPIC, among)
        return FollowupQuery(topic, FOLLOWUP_MARGIN, among)

    # commands -------------------------------------------------------------------------------------
    def _command(self, event: CommandIn, state: State) -> Outcome:
        if event.name == "start":
            return Outcome(
                (Reply(WELCOME, language_buttons()), Reply(self._menu_text(), menu_buttons(self._flows))), State()
            )
        if event.name == "help":
            return Outcome((Reply(HELP, self._with_coach(menu_buttons(self._flows))),), state)
        if event.name in {"cancel", "menu"}:
            return self._menu(state)
        if event.name == "language":
            return self._ask_language(state)
        return self._with_menu(UNKNOWN_COMMAND, state)

    def _menu_text(self) -> Msg:
        return tn_(
            "I can answer questions about %(num)d topic. Choose it, or type your question in your own words.",
            "I can answer questions about %(num)d topics. Choose one, or type your question in your own words.",
            len(self._flows.menu()),
        )

    def _menu(self, state: State) -> Outcome:
        return self._with_menu(self._menu_text(), replace(state, flow=None, node=None))

    def _with_menu(self, text: Msg, state: State, *, intent: str | None = None, language: str | None = None) -> Outcome:
        """`text` with the topic menu below it."""
        return Outcome((Reply(text, menu_buttons(self._flows)),), state, chosen_language=language, intent=intent)

    def _ask_language(self, state: State, intent: str | None = None) -> Outcome:
        return Outcome((Reply(t_("Which language do you want me to use?"), language_buttons()),), state, intent=intent)

    # buttons --------------------------------------------------------------------------------------
    def _button(self, event: ButtonIn, state: State) -> Outcome:
        match decode(event.data):
            case NodeButton(flow_id, node_id):
                flow = self._flows.flows.get(flow_id)
                if flow is not None and node_id in flow.nodes:
                    return self._answer(flow, node_id, state, intent=None)
            case LanguageButton(lang) if lang in LANGUAGES:
                switched = t_("I will speak English with you now. You can change this any time with /language.")
                return self._with_menu(switched, state, language=lang)
            case TopicButton(intent) | OtherTopic(intent):
                flow = self._flows.for_intent(intent)
                if flow is not None:
                    return self._answer(flow, flow.start, state, intent=intent)
            case ActionButton("menu"):
                return self._menu(state)
            case ActionButton("intake") if "intake" in self._actions:
                return Outcome((), state, start_intake=True)
            case ActionButton("coach") if self._handoff is not None:
                return Outcome((self._coach_offer(),), state)
            case ActionButton("coach_yes") if self._handoff is not None:
                return Outcome((Reply(QUEUED),), state, handoff=HandoffRequest(self._reason(state), state.flow))
            case ActionButton("language"):
                return self._ask_language(state)
        # Forged, stale (from an older version of the flows) or unknown: say so kindly, offer the menu.
        return self._with_menu(STALE_BUTTON, state)

    # text -----------------------------------------------------------------------------------------
    def _text(self, event: TextIn, state: State) -> Outcome:
        nlu = event.nlu
        if not any(ch.isalnum() for ch in event.text):
            return self._with_menu(NO_WORDS, state)
        if (followed := self._followup(event, state)) is not None:
            return followed  # before gibberish: a node this near is words ("ደንጉየ እንተ መጺአኸ?" read as noise)
        if nlu.gibberish:
            return self._not_answered(Outcome((Reply(GIBBERISH),), state, unanswered=True, intent=nlu.intent), state)
        if len(event.text.split()) <= VAGUE_WORDS and nlu.intent == "out_of_scope":
            # "papieren", "ik heb een vraag": too little to guess from; the topics are the best answer.
            vague = Reply(VAGUE, menu_buttons(self._flows))
            return self._not_answered(Outcome((vague,), state, unanswered=True, intent=nlu.intent), state)
        if nlu.confidence < self._threshold:
            return self._unsure(nlu, state)
        if nlu.intent in SMALL_TALK_WITHOUT_FLOW:
            msg = (
                t_("Okay! What else would you like to know?")
                if nlu.intent == "affirm"
                else t_("All right. Is there anything else I can help you with?")
            )
            return self._with_menu(msg, replace(state, low_confidence_streak=0), intent=nlu.intent)
        if nlu.intent == "start_intake" and "intake" in self._actions:
            return Outcome((), replace(state, low_confidence_streak=0), intent=nlu.intent, start_intake=True)
        if nlu.intent == "request_human" and self._handoff is not None:
            return Outcome((self._coach_offer(),), state, intent=nlu.intent)
        if nlu.intent == "change_language" and self._flows.for_intent("change_language") is None:
            return self._ask_language(state, nlu.intent)
        flow = self._flows.for_intent(nlu.intent)
        if flow is None:
            return self._unsure(nlu, state)
        if nlu.intent == "out_of_scope":
            return self._not_answered(self._answer(flow, flow.start, state, intent=nlu.intent, unanswered=True), state)
        node_id = _entity_node(flow, nlu) or flow.start
        extra: tuple[tuple[Button, ...], ...] = ()
        if node_id == flow.start and nlu.node is not None and nlu.node in flow.nodes:
            # A specific question: its answer directly, the topic's other answers below it.
            node_id = nlu.node
            extra = topic_buttons(flow, node_id)
        second = self._flows.for_intent(nlu.second) if nlu.second else None
        if nlu.second and second is not None and second.id != flow.id and second.menu is not None:
            other = Button(FlowTitle(second.id), encode(TopicButton(nlu.second)))  # the message's other question
            extra = ((other,), *extra)
        elif (runner_up := nlu.runner_up(self._flows.is_topic)) is not None:
            # Close to another topic: that one a tap away, in case this answer missed.
            near = self._flows.for_intent(runner_up)
            if near is not None and near.id != flow.id:
                extra = (*extra, (Button(FlowTitle(near.id), encode(OtherTopic(runner_up))),))
        return self._answer(flow, node_id, state, intent=nlu.intent, extra=extra)

    def _followup(self, event: TextIn, state: State) -> Outcome | None:
        """A follow-up of the topic just answered: its node, unless the message is a confident question of its
        own (another topic, small talk, a coach, the intake), which the rest of `_text` answers."""
        nlu = event.nlu
        flow = self._flows.flows.get(state.flow) if state.flow else None
        if event.followup is None or flow is None or event.followup not in flow.nodes or not flow.intents:
            return None
        if not self._may_follow(nlu, flow):
            return None
        topic, node_id = flow.intents[0], event.followup
        extra = topic_buttons(flow, node_id)
        other = self._flows.for_intent(nlu.intent)
        if other is not None and other.id != flow.id and other.menu is not None and nlu.confidence >= RUNNER_UP:
            extra = ((Button(FlowTitle(other.id), encode(OtherTopic(nlu.intent))),), *extra)  # in case it was new
        return self._answer(flow, node_id, state, intent=topic, extra=extra)

    @staticmethod
    def _may_follow(nlu: NluResult, flow: Flow) -> bool:
        """Whether a follow-up of `flow`'s topic may answer instead of the classifier's reading: out of scope,
        small talk (a question read as "ok"; real small talk is near no node), read below FOLLOWUP_OVER (another
        topic, or the same one's node, which the follow-up's may improve on), or the same topic without a node.
        Confident readings keep their answers, and so does a named profession (or other entity) the topic
        routes: surer than likeness."""
        if nlu.intent == flow.intents[0] and _entity_node(flow, nlu) is not None:
            return False
        return (
            nlu.intent in NOT_QUESTIONS
            or nlu.confidence < FOLLOWUP_OVER
            or (nlu.intent == flow.intents[0] and nlu.node is None)
        )

    def _answer(
        self,
        flow: Flow,
        node_id: str,
        state: State,
        *,
        intent: str | None,
        unanswered: bool = False,
        extra: tuple[tuple[Button, ...], ...] = (),
    ) -> Outcome:
        replies: tuple[Reply, ...] = (node_reply(flow, node_id, self._actions, extra),)
        if flow.nodes[node_id].handoff and self._handoff is not None:
            # A sensitive topic (discrimination, dismissal, crisis…): answer, then offer a person.
            replies = (*replies, self._coach_offer())
        return Outcome(replies, State(flow.id, node_id, 0), unanswered=unanswered, intent=intent)

    def _reason(self, state: State) -> str:
        node = self._flows.node(state.flow, state.node) if state.flow and state.node else None
        if node is not None and node.handoff:
            return "sensitive"
        return "low_confidence" if state.low_confidence_streak >= 2 else "asked"

    def _with_coach(self, rows: tuple[tuple[Button, ...], ...]) -> tuple[tuple[Button, ...], ...]:
        return ((Button(t_("Talk to a coach"), COACH),), *rows) if self._handoff is not None else rows

    def _coach_offer(self) -> Reply:
        """Confirm first, and say honestly what happens next."""
        assert self._handoff is not None
        buttons = ((Button(t_("Yes, connect me"), COACH_YES),), (Button(t_("No, back to the menu"), MENU),))
        return Reply(self._handoff.wait, buttons)

    def _not_answered(self, outcome: Outcome, state: State) -> Outcome:
        """Gibberish, vague or out of scope counts towards a coach: the third such turn in a row also offers one."""
        streak = state.low_confidence_streak + 1
        replies = outcome.replies
        if streak >= COACH_AFTER and self._handoff is not None:
            replies = (*replies, self._coach_offer())
        return replace(outcome, replies=replies, state=replace(outcome.state, low_confidence_streak=streak))

    def _unsure(self, nlu: NluResult, state: State) -> Outcome:
        """Ask which of the likeliest topics was meant instead of guessing."""
        candidates: list[Button] = []
        for intent, _confidence in nlu.ranking:
            flow = self._flows.for_intent(intent)
            if flow is not None and flow.menu is not None and len(candidates) < 3:
                candidates.append(Button(FlowTitle(flow.id), encode(TopicButton(intent))))
        streak = state.low_confidence_streak + 1
        rows: tuple[tuple[Button, ...], ...] = (*tuple((b,) for b in candidates), (Button(t_("Something else"), MENU),))
        text = UNSURE
        if streak >= COACH_AFTER and self._handoff is not None:
            # Unsure twice in a row already: offer a person instead of guessing again.
            rows = ((Button(t_("Talk to a coach"), COACH),), *rows)
            text = UNSURE_TWICE
        return Outcome(
            (Reply(text, rows),),
            replace(state, low_confidence_streak=streak),
            unanswered=True,
            intent=nlu.intent,
            asked_back=True,
        )


WELCOME = t_(
    "Hello, welcome to the Werkhelpdesk! I answer questions about working in the Netherlands: "
    "your diploma, regulated professions, your CV, applying for jobs and Dutch work culture.\n\n"
    "I speak English with you. Choose another language here:"
)
HELP = t_(
    "I can help you with:\n"
    "• having your foreign diploma evaluated\n"
    "• working in a regulated profession (doctor, nurse, teacher…)\n"
    "• writing a Dutch CV and applying for jobs\n"
    "• Dutch work culture\n\n"
    "Type your question in your own words, or choose a topic.\n"
    "/language – choose your language\n"
    "/menu – all topics\n"
    "/help – this message"
)
MEDIA = t_(
    "Thank you! I can only read text, so I cannot look at photos, voice messages or stickers. "
    "Please type your question in a few words."
)
EDITED = t_("I saw that you changed a message. I only answer new messages: please send your question again.")
NO_WORDS = t_("I did not find any words in your message. Please type your question, or choose a topic.")
UNKNOWN_COMMAND = t_("I do not know that command. Choose a topic, or type your question in your own words.")
STALE_BUTTON = t_("This button no longer works, maybe because the information was updated. Please choose again:")
UNSURE = t_("I am not sure I understood you. Did you mean one of these topics?")
GIBBERISH = t_("I did not understand, could you write it differently?")
VAGUE = t_("What is your question about? Choose a topic, or write your question in a few more words.")
UNSURE_TWICE = t_(
    "I still do not understand you well, sorry. A coach can help you: tap the first button. "
    "Or choose one of these topics."
)
QUEUED = t_(
    "You are in the queue. A coach will write to you here. You can already send your question; "
    "the coach will read it. Send /cancel to go back to the bot."
)

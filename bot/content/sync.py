"""flows/ and the published content side by side: the files seed the database and are its exchange
format, but after staff edited in the console the files never silently replace the content."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content import store, yamltext
from bot.db.models import ContentRevision

IN_SYNC, FILES_NEWER, DIFFERENT = "in_sync", "files_newer", "different"


def differing(files: dict[str, str], published: dict[str, str]) -> list[str]:
    """Flow ids whose content differs (comments and layout aside)."""
    ids = sorted(set(files) | set(published))

    def data(texts: dict[str, str], flow: str) -> object:
        return yamltext.load(texts[flow]) if flow in texts else None

    return [flow for flow in ids if data(files, flow) != data(published, flow)]


@dataclass(frozen=True)
class Comparison:
    state: str
    flows: list[str]  # the flows that differ
    revision: int

    def describe(self) -> str:
        if self.state == IN_SYNC:
            return f"flows/ and published revision {self.revision} have the same content."
        names = ", ".join(self.flows)
        if self.state == FILES_NEWER:
            return (
                f"flows/ changed since revision {self.revision} was imported ({names}); the bot imports "
                "the files at its next start, or now: werkhelpdesk flows import flows/"
            )
        return (
            f"flows/ and published revision {self.revision} differ ({names}). Nothing was overwritten: "
            "keep the console's edits (werkhelpdesk flows export flows/ to bring them into the files), or "
            "publish the files instead (werkhelpdesk flows import flows/)."
        )


def compare_with(texts: dict[str, str], published: ContentRevision) -> Comparison:
    flows = differing(texts, dict(published.files))
    if not flows:
        return Comparison(IN_SYNC, [], published.number)
    newer = published.source in store.FROM_FILES and published.files_hash != store.files_hash(texts)
    return Comparison(FILES_NEWER if newer else DIFFERENT, flows, published.number)

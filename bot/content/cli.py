"""`werkhelpdesk flows export|import DIR`, `flows check --db`, `flows status --db`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.content import examples, store, sync
from bot.content.live import check_files
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import ensure_current
from bot.flows.glossary import GLOSSARY_FILE, load_glossary
from bot.flows.loader import check_texts, read_texts
from bot.flows.status import format_status, status_of
from bot.languages import LANGUAGES
from bot.nlu.compose import intent_training
from bot.nlu.data import Example, load_training, rasa_yaml
from bot.settings import Settings


def export_files(files: dict[str, str], directory: Path) -> list[Path]:
    """Write one file per flow; files of flows that are no longer published are removed."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.yml"):
        if old.stem not in files:
            old.unlink()
    written = []
    for flow, text in sorted(files.items()):
        path = directory / f"{flow}.yml"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


async def flows_db(settings: Settings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.database_url)
    glossary = load_glossary(settings.flows_dir / GLOSSARY_FILE)
    try:
        await ensure_current(engine)
        sessions = create_sessionmaker(engine)
        command = args.flows_command
        if command == "import":
            directory = Path(args.dir)
            texts = read_texts(directory)
            result = check_texts(texts, glossary, f"{directory}/{{}}.yml")
            for problem in result.problems:
                print(problem)
            if not texts or result.errors:
                print(f"not imported: {len(result.errors) or 'no flow files'} errors", file=sys.stderr)
                return 1
            async with sessions() as session, session.begin():
                newest = await store.head(session)
                if newest is not None and not sync.differing(texts, dict(newest.files)):
                    print(f"nothing to import: {directory} has the content of published revision {newest.number}")
                    return 0
                row = await store.publish(
                    session,
                    texts,
                    parent=newest.number if newest else None,
                    source=store.IMPORT,
                    author="flows import",
                    comment=args.comment or f"imported from {directory.name}/",
                    from_files=store.files_hash(texts),
                )
            print(f"published revision {row.number}: {len(texts)} flows (every replica serves it within seconds)")
            return 0
        async with sessions() as session:
            if command == "export":
                found = await (store.revision(session, args.revision) if args.revision else store.head(session))
                if found is None:
                    print("no such revision (is the database seeded? start the bot once)", file=sys.stderr)
                    return 1
                written = export_files(dict(found.files), Path(args.dir))
                print(f"revision {found.number}: wrote {len(written)} flow files to {args.dir}")
                return 0
            work = await store.working(session)
        if work is None:
            print("the database has no content yet: the bot seeds it from flows/ at its first start", file=sys.stderr)
            return 1
        if command == "check":
            result = check_files(work.files, glossary)
            for problem in result.problems:
                print(problem)
            print(
                f"published revision {work.base.number} with {len(work.applied)} draft edits: "
                f"{len(result.errors)} errors, {len(result.warnings)} warnings"
            )
            return 1 if result.errors else 0
        report = status_of(check_files(dict(work.base.files), glossary))
        print(f"published revision {work.base.number} ({work.base.source}, {work.base.author})")
        print(format_status(report, by_flow=args.by_flow))
        if work.applied:
            print(f"\n{len(work.applied)} draft edits wait to be published in the console.")
        comparison = sync.compare_with(read_texts(settings.flows_dir), work.base)
        print("\n" + comparison.describe())
        return 1 if report.errors else 0
    finally:
        await engine.dispose()


async def nlu_export(settings: Settings, target: str) -> int:
    """A Rasa training directory: `nlu.yml` with the texts the embedded classifier's intents learn from
    (nlu/data, nlu/nodes, their copies with an opening in front), and `console.yml` with the examples staff
    published in the console (those the embedded classifier learns too)."""
    engine = create_engine(settings.database_url)
    try:
        await ensure_current(engine)
        async with create_sessionmaker(engine)() as session:
            head = await store.head(session)
            found = await examples.published(session)
    finally:
        await engine.dispose()
    learnt = examples.trainable(found, check_files(dict(head.files), []).flows) if head is not None else []
    written = write_rasa_data(settings.nlu_dir, learnt, Path(target))
    print(
        f"wrote {written} examples of nlu/ and {len(learnt)} console examples to {target}: rasa train nlu --nlu {target}"
    )
    return 0


def write_rasa_data(nlu_dir: Path, learnt: list[Example], directory: Path) -> int:
    """Write the directory; how many examples of nlu/ it holds."""
    directory.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:  # copies of nlu/data written by exports before 2026-12-05: now in nlu.yml
        (directory / f"{language}.yml").unlink(missing_ok=True)
    training = intent_training(load_training(nlu_dir))
    (directory / "nlu.yml").write_text(rasa_yaml(training), encoding="utf-8")
    console = directory / "console.yml"
    if learnt:
        console.write_text(rasa_yaml(learnt), encoding="utf-8")
    elif console.exists():
        console.unlink()
    return len(training)

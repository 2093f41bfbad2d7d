"""`werkhelpdesk report unanswered`: what newcomers asked that no FAQ answered, grouped by language
and similarity, so staff see which answer is missing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import UnansweredQuestion, utcnow
from bot.textnorm import normalize

SIMILARITY = 0.35


@dataclass
class Group:
    language: str
    texts: list[str] = field(default_factory=list)


def group_similar(texts: list[str], threshold: float = SIMILARITY) -> list[list[int]]:
    """Greedy grouping by cosine similarity of character n-grams (works for any script)."""
    if not texts:
        return []
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit_transform([normalize(t) or "?" for t in texts])
    groups: list[list[int]] = []
    centroids: list[np.ndarray] = []
    for i in range(matrix.shape[0]):
        row = matrix[i].toarray()[0]
        best, best_sim = -1, threshold
        for g, centroid in enumerate(centroids):
            norm = float(np.linalg.norm(centroid)) or 1.0
            sim = float(row @ centroid) / norm
            if sim >= best_sim:
                best, best_sim = g, sim
        if best < 0:
            groups.append([i])
            centroids.append(row.copy())
        else:
            groups[best].append(i)
            centroids[best] = centroids[best] + row
    return groups


async def unanswered_groups(session: AsyncSession, *, days: int, now: datetime | None = None) -> list[Group]:
    since = (now or utcnow()) - timedelta(days=days)
    rows = list(
        await session.scalars(
            select(UnansweredQuestion).where(UnansweredQuestion.created_at >= since).order_by(UnansweredQuestion.id)
        )
    )
    result: list[Group] = []
    for language in sorted({r.language or "?" for r in rows}):
        texts = [r.text for r in rows if (r.language or "?") == language]
        for indices in group_similar(texts):
            result.append(Group(language, [texts[i] for i in indices]))
    result.sort(key=lambda g: (-len(g.texts), g.language))
    return result


def format_groups(groups: list[Group], days: int) -> str:
    total = sum(len(g.texts) for g in groups)
    lines = [f"{total} unanswered messages in the last {days} days, in {len(groups)} groups (largest first):", ""]
    for group in groups:
        lines.append(f"[{group.language}] {len(group.texts)}×")
        lines.extend(f"    {text[:120]}" for text in group.texts[:3])
        if len(group.texts) > 3:
            lines.append(f"    … and {len(group.texts) - 3} more")
    return "\n".join(lines)

"""Keeping the search index current, and searching it within what a member may read.

Areas do not call the index: a session hook notices every change to a model with an
indexer (each area registers its own, app.registry.indexers) and rewrites its documents in the same transaction, just
before the commit. `flask search reindex` rebuilds everything (after a bulk load).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import snowballstemmer
from flask import current_app, has_request_context
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import (
    column,
    delete,
    event,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.errors import ServiceError
from app.extensions import db
from app.kept import keep
from app.partnerships.models import Membership
from app.registry import indexers, search_filters, search_kinds
from app.search.models import SearchDocument

QUERY_LIMIT = 200
PER_KIND = 5
PAGE_SIZE = 20
COMMENT = "comment"
# Comments are read newest first, and no more than this many: after years of talk a
# common word is in a hundred thousand of them, and such a search is made narrower,
# not paged through to the end.
COMMENT_LIMIT = 1000
# Letters and digits; "_" separates words, as in FTS5 and PostgreSQL's parser.
WORD = re.compile(r"[^\W_]+", re.UNICODE)
# The classic Snowball Dutch stemmer: the one PostgreSQL's `dutch` configuration uses,
# so both databases find the same documents.
_STEMMER = snowballstemmer.stemmer("dutch_porter")
# PostgreSQL's `dutch` configuration leaves these words out of a query (its dutch.stop,
# Snowball's list); SQLite's query leaves them out too, so "regie in de wachttijd" finds
# "Regie bij wachttijden" on both databases.
STOP_WORDS = frozenset({
    "de", "en", "van", "ik", "te", "dat", "die", "in", "een", "hij", "het", "niet", "zijn", "is",
    "was", "op", "aan", "met", "als", "voor", "had", "er", "maar", "om", "hem", "dan", "zou", "of",
    "wat", "mijn", "men", "dit", "zo", "door", "over", "ze", "zich", "bij", "ook", "tot", "je",
    "mij", "uit", "der", "daar", "haar", "naar", "heb", "hoe", "heeft", "hebben", "deze", "u",
    "want", "nog", "zal", "me", "zij", "nu", "ge", "geen", "omdat", "iets", "worden", "toch", "al",
    "waren", "veel", "meer", "doen", "toen", "moet", "ben", "zonder", "kan", "hun", "dus", "alles",
    "onder", "ja", "eens", "hier", "wie", "werd", "altijd", "doch", "wordt", "wezen", "kunnen",
    "ons", "zelf", "tegen", "na", "reeds", "wil", "kon", "niets", "uw", "iemand", "geweest",
    "andere",
})  # fmt: skip


def kinds() -> dict[str, Any]:
    """Document kinds in the order results are shown, with their group headings (as the
    areas register them)."""
    return dict(search_kinds.items())


_STEMS: dict[str, str] = {}


def _stem(word: str) -> str:
    # A text's vocabulary repeats itself: remember each word's stem (bounded).
    stem = _STEMS.get(word)
    if stem is None:
        stem = _STEMMER.stemWord(word)
        if len(_STEMS) < 200_000:
            _STEMS[word] = stem
    return stem


def stem_words(value: str) -> list[str]:
    return [_stem(word.lower()) for word in WORD.findall(value or "")]


def query_stems(query: str) -> list[str]:
    """The stems a query looks for: its words without the stop words, stemmed."""
    words = [word.lower() for word in WORD.findall(query or "")]
    return [_stem(word) for word in words if word not in STOP_WORDS]


def join_text(*parts: str | None) -> str:
    """The non-empty parts of a document's body, one per line."""
    return "\n".join(part for part in parts if part)


@dataclass
class Doc:
    kind: str
    object_id: int
    partnership_id: int
    title: str
    body: str
    url: str
    organisation_id: int | None = None
    table_id: int | None = None

    def row(self) -> dict:
        return {
            "kind": self.kind,
            "object_id": self.object_id,
            "partnership_id": self.partnership_id,
            "title": self.title[:300],
            "body": self.body,
            "url": self.url,
            "organisation_id": self.organisation_id,
            "table_id": self.table_id,
            # Only SQLite's FTS5 index reads the stems; PostgreSQL stems by itself.
            "stems": ""
            if db.engine.dialect.name == "postgresql"
            else " ".join(stem_words(f"{self.title}\n{self.body}")),
        }


# (kind, object_id, Doc or None to remove): what an indexer (app.registry.Indexer) returns
Entries = Iterable[tuple[str, int, "Doc | None"]]


def write(entries: Entries) -> None:
    """Insert, update or remove documents in the current transaction."""
    wanted: dict[tuple[str, int], Doc | None] = {}
    for kind, object_id, doc in entries:
        wanted[(kind, object_id)] = doc
    by_kind: dict[str, list[int]] = {}
    for kind, object_id in wanted:
        by_kind.setdefault(kind, []).append(object_id)
    for kind, ids in by_kind.items():
        existing = {
            d.object_id: d
            for d in db.session.execute(
                select(SearchDocument).where(
                    SearchDocument.kind == kind, SearchDocument.object_id.in_(ids)
                )
            ).scalars()
        }
        for object_id in ids:
            doc, row = wanted[(kind, object_id)], existing.get(object_id)
            if doc is None or not (doc.title or doc.body).strip():
                if row is not None:
                    db.session.delete(row)
            elif row is None:
                db.session.add(SearchDocument(**doc.row()))
            else:
                for key, value in doc.row().items():
                    if getattr(row, key) != value:
                        setattr(row, key, value)


# --- keeping it current --------------------------------------------------------


def _collect(session: Session, _flush_context) -> None:
    pending = session.info.setdefault("search_pending", {})
    # Deleted objects too: their indexer takes their documents out.
    for obj in (*session.new, *session.dirty, *session.deleted):
        if type(obj) in indexers and obj.id is not None:
            pending[(type(obj), obj.id)] = obj


def _apply(session: Session) -> None:
    for _ in range(3):  # an indexer may touch other indexed objects; never loop forever
        session.flush()
        pending = session.info.pop("search_pending", None)
        if not pending:
            return
        entries: list = []
        for (model, _id), obj in pending.items():
            entries.extend(indexers[model].index(obj))
        write(entries)
        session.flush()
        session.info.pop("search_pending", None)  # our own writes are not indexed


def _forget(session: Session, *_args) -> None:
    session.info.pop("search_pending", None)


event.listen(Session, "after_flush", _collect)
event.listen(Session, "before_commit", _apply)
event.listen(Session, "after_rollback", _forget)
event.listen(Session, "after_soft_rollback", _forget)


def reindex_all(partnership_id: int | None = None, chunk: int = 2000) -> int:
    """Rebuild the index (of one partnership, or all); returns the number of documents."""
    if not has_request_context():  # links are built with url_for: one context for all
        with current_app.test_request_context():
            return reindex_all(partnership_id, chunk)
    query = delete(SearchDocument)
    if partnership_id is not None:
        query = query.where(SearchDocument.partnership_id == partnership_id)
    db.session.execute(query)
    count, rows = 0, []
    for entry in indexers:
        if entry.everything is None:
            continue
        model, statement = entry.model, entry.everything()
        if partnership_id is not None and hasattr(model, "partnership_id"):
            statement = statement.where(model.partnership_id == partnership_id)
        for obj in db.session.execute(statement.execution_options(yield_per=chunk)).scalars():
            for _kind, _id, doc in entry.index(obj):
                if doc is None or not (doc.title or doc.body).strip():
                    continue
                # Comments know their partnership only through their conversation.
                if partnership_id is None or doc.partnership_id == partnership_id:
                    rows.append(doc.row())
            if len(rows) >= chunk:
                db.session.execute(insert(SearchDocument), rows)
                count, rows = count + len(rows), []
    if rows:
        db.session.execute(insert(SearchDocument), rows)
        count += len(rows)
    session = db.session()
    session.info.pop("search_pending", None)
    db.session.commit()
    return count


# --- searching -------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    kind: str
    title: Markup
    snippet: Markup
    url: str


@dataclass
class Results:
    query: str
    counts: dict[str, int] = field(default_factory=dict)
    groups: dict[str, list[Hit]] = field(default_factory=dict)
    kind: str | None = None
    page: int = 1
    pages: int = 1
    # Kinds with more results than counted (comments beyond COMMENT_LIMIT).
    more: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count_label(self, kind: str | None = None) -> str:
        """The count of one kind (or of all) to show: "1000+" where there are more."""
        count = self.counts.get(kind, 0) if kind else self.total
        more = kind in self.more if kind else bool(self.more)
        return f"{count}+" if more else str(count)


def check_query(query: str) -> str:
    query = " ".join((query or "").split())
    if not query:
        raise ServiceError(_l("Type what you are looking for."), "q")
    if len(query) > QUERY_LIMIT:
        raise ServiceError(_l("Search with at most %(limit)s characters.", limit=QUERY_LIMIT), "q")
    if not stem_words(query):
        raise ServiceError(_l("Search with at least one word or number."), "q")
    return query


_FTS = table("search_fts", column("rowid"))
_COMMENT_FTS = table("comment_fts", column("rowid"))
# Inlined, not bound: PostgreSQL picks a partial index only for a predicate it can see.
_COMMENT = literal_column(f"'{COMMENT}'")


def _fts_terms(stems: list[str]) -> str:
    return " ".join('"' + stem.replace('"', "") + '"' for stem in stems)


def _matching(statement, query: str, ranked: bool = True):
    """statement limited to the documents other than comments that match the query, and
    the rank (lower is better; with ranked False, SQLite skips computing it: counting
    needs no rank)."""
    statement = statement.where(SearchDocument.kind != _COMMENT)
    if db.engine.dialect.name == "postgresql":
        tsquery = func.plainto_tsquery("dutch", query)
        vector = literal_column("search_document.search_vector")
        return statement.where(vector.op("@@")(tsquery)), -func.ts_rank(vector, tsquery)
    stems = query_stems(query)
    if not stems:  # only stop words: PostgreSQL finds nothing either
        return statement.where(false()), literal_column("0")
    # The matches are read from the FTS index once, with their rank, and then joined:
    # left to itself SQLite's planner would walk the partnership's documents and ask
    # the FTS index once per document (seconds instead of milliseconds at scale).
    rank = literal_column("bm25(search_fts)" if ranked else "0")
    matches = (
        select(_FTS.c.rowid.label("doc_id"), rank.label("rank"))
        .where(text("search_fts MATCH :terms").bindparams(terms=_fts_terms(stems)))
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )
    statement = statement.join(matches, matches.c.doc_id == SearchDocument.id)
    return statement, matches.c.rank


def _newest_comments(statement, query: str):
    """statement limited to the comments that match the query, newest first: read that
    way, a LIMIT stops the search early however many comments hold a common word."""
    statement = statement.where(SearchDocument.kind == _COMMENT)
    if db.engine.dialect.name == "postgresql":
        vector = literal_column("search_document.search_vector")
        matching = vector.op("@@")(func.plainto_tsquery("dutch", query))
        return statement.where(matching).order_by(SearchDocument.id.desc())
    stems = query_stems(query)
    if not stems:
        return statement.where(false())
    # FTS5 hands out its matches in rowid order (a document's id), newest first here.
    return (
        statement.join(_COMMENT_FTS, _COMMENT_FTS.c.rowid == SearchDocument.id)
        .where(text("comment_fts MATCH :terms").bindparams(terms=_fts_terms(stems)))
        .order_by(_COMMENT_FTS.c.rowid.desc())
    )


def search(membership: Membership, query: str, kind: str | None = None, page: int = 1) -> Results:
    """What the member may read that matches the query, grouped by kind: the best
    matches first, and comments newest first (at most COMMENT_LIMIT of them)."""
    query = check_query(query)
    if kind not in search_kinds:
        kind = None
    readable = [
        SearchDocument.partnership_id == membership.partnership_id,
        # Restricted documents (case details, concept reviews) only for that organisation.
        or_(
            SearchDocument.organisation_id.is_(None),
            SearchDocument.organisation_id == membership.organisation_id,
        ),
    ]
    for readable_to in search_filters:
        readable.extend(readable_to(membership, SearchDocument))

    def matching(statement, ranked: bool = True):
        return _matching(statement.where(*readable), query, ranked)

    results = Results(query=query, kind=kind, page=page)
    best: list[int] = []
    if kind:
        counting, _rank = matching(select(SearchDocument.kind, func.count()), ranked=False)
        counts = dict(db.session.execute(counting.group_by(SearchDocument.kind)).all())
    else:
        # The best PER_KIND of each kind and each kind's count in one pass over the
        # matches (the full-text index is asked once, not once to count and once to rank).
        ranking, rank = matching(select(SearchDocument.id, SearchDocument.kind))
        ranked = ranking.add_columns(
            func.row_number()
            .over(partition_by=SearchDocument.kind, order_by=(rank, SearchDocument.id))
            .label("position"),
            func.count().over(partition_by=SearchDocument.kind).label("total"),
        ).subquery()
        # The ids first, then their documents: joined in one statement, PostgreSQL
        # cannot tell how few rows the position leaves and reads the whole table.
        counts = {}
        for row in db.session.execute(
            select(ranked.c.id, ranked.c.kind, ranked.c.total)
            .where(ranked.c.position <= PER_KIND)
            .order_by(ranked.c.position)
        ):
            best.append(row.id)
            counts[row.kind] = row.total
    # Comments newest first: at most COMMENT_LIMIT + 1 are counted (the one more only
    # tells there are more), and only the ids of the page shown are read.
    newest = (
        _newest_comments(select(SearchDocument.id).where(*readable), query)
        .limit(COMMENT_LIMIT + 1)
        .subquery()
    )
    comment_page = select(newest.c.id, func.count().over()).order_by(newest.c.id.desc())
    size = PAGE_SIZE if kind == COMMENT else PER_KIND

    def newest_comments(number: int) -> tuple[list[int], int | None]:
        """The ids of page `number` (within COMMENT_LIMIT) and how many were counted
        (None when the page is past the last)."""
        skip = (max(1, number) - 1) * size
        rows = db.session.execute(comment_page.limit(size).offset(skip)).all()
        return [row[0] for row in rows][: max(0, COMMENT_LIMIT - skip)], (
            rows[0][1] if rows else None
        )

    read_page = page if kind == COMMENT else 1
    comment_ids, found = newest_comments(read_page)
    if found is None and kind == COMMENT and page > 1:
        found = db.session.execute(select(func.count()).select_from(newest)).scalar_one()
    if found:
        counts[COMMENT] = min(found, COMMENT_LIMIT)
        if found > COMMENT_LIMIT:
            results.more.add(COMMENT)
    results.counts = {k: counts[k] for k in kinds() if k in counts}
    stems = set(query_stems(query))
    if kind:
        total = results.counts.get(kind, 0)
        results.pages = max(1, -(-total // PAGE_SIZE))
        results.page = page = min(max(1, page), results.pages)
        if kind == COMMENT:
            if page != read_page:  # asked past the last page: the last one
                comment_ids, _found = newest_comments(page)
            rows = _documents(comment_ids)
        else:
            listing, rank = matching(select(*_HIT_COLUMNS).where(SearchDocument.kind == kind))
            rows = db.session.execute(
                listing.order_by(rank, SearchDocument.id)
                .limit(PAGE_SIZE)
                .offset((page - 1) * PAGE_SIZE)
            ).all()
    else:
        rows = _documents([*best, *comment_ids])
    shown = frozenset(stems)
    for row in rows:
        results.groups.setdefault(row.kind, []).append(_hit(row, shown))
    results.groups = {k: results.groups[k] for k in kinds() if k in results.groups}
    return results


# What a hit shows of a document, read as plain rows: a page shows some 45 hits.
_HIT_COLUMNS = (SearchDocument.id, SearchDocument.kind, SearchDocument.title,
                SearchDocument.body, SearchDocument.url)  # fmt: skip


def _documents(ids: list[int]) -> list[Row]:
    """The hit columns of the documents with these ids, in this order (none without ids)."""
    if not ids:
        return []
    found = db.session.execute(select(*_HIT_COLUMNS).where(SearchDocument.id.in_(ids)))
    by_id = {row.id: row for row in found}
    return [by_id[i] for i in ids if i in by_id]


# Hits as shown, kept per process (HITS_KEPT, the oldest dropped first): highlighting a
# page's titles and snippets word by word cost more than its statements, and the same
# documents come back for the same words. The key holds all a hit is made of (the
# document's columns and the searched stems), so a kept hit is never stale; a document
# with a body longer than KEPT_BODY (an attached file's text) is highlighted each time,
# so what a process keeps stays small.
HITS_KEPT = 4096
KEPT_BODY = 4000
_hits: dict[tuple, Hit] = {}


def _hit(row: Row, stems: frozenset[str]) -> Hit:
    key = (*row, stems) if len(row.body or "") <= KEPT_BODY else None
    found = _hits.get(key) if key else None
    if found is None:
        found = Hit(row.kind, highlight(row.title, stems), snippet(row.body, stems), row.url)
        if key:
            keep(_hits, key, found, HITS_KEPT)
    return found


def highlight(value: str, stems: set[str]) -> Markup:
    """value, escaped, with the words whose stem was searched for in <mark>."""
    out, last = [], 0
    stem_of = _STEMS.get  # a page highlights some 1,500 words: the stems known, mostly
    for match in WORD.finditer(value):
        word = match.group()
        lowered = word.lower()  # a match of WORD is one word
        if (stem_of(lowered) or _stem(lowered)) in stems:
            out.append(escape(value[last : match.start()]))
            out.append(f"<mark>{word}</mark>")  # letters and digits only: nothing to escape
            last = match.end()
    if not out:
        return escape(value)
    out.append(escape(value[last:]))
    return Markup("".join(out))  # noqa: S704  (escaped above)


def snippet(body: str, stems: set[str], words: int = 30) -> Markup:
    """About `words` words of body around the first match (up to a third of them before
    it), highlighted, with whitespace runs as one space. Reads the body only up to the
    end of the snippet: bodies can be long, and most match early."""
    body = body or ""
    tokens = WORD.finditer(body)
    before: deque[re.Match] = deque(maxlen=words // 3)
    passed = 0  # words before the match
    first = None
    stem_of = _STEMS.get
    for passed, token in enumerate(tokens):  # noqa: B007 (read after the loop)
        lowered = token.group().lower()
        if (stem_of(lowered) or _stem(lowered)) in stems:
            first = token
            break
        before.append(token)
    if first is None:  # no match: the beginning
        tokens, passed = WORD.finditer(body), 0
        before.clear()
        first = next(tokens, None)
        if first is None:
            return Markup("")
    window = [*before, first]
    for token in tokens:
        if len(window) > words:
            break
        window.append(token)
    start = passed - len(before)
    more = len(window) > words  # words after the snippet
    window = window[:words]
    begin_at = window[0].start() if start else 0
    end_at = window[-1].end() if more else len(body)
    text_part = highlight(" ".join(body[begin_at:end_at].split()), stems)
    return Markup(f"{'… ' if start else ''}{text_part}{' …' if more else ''}")  # noqa: S704  (highlighted: escaped)

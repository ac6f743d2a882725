"""What the areas contribute to the shared layers: one typed registry per kind.

The shared layers (activity, search, exports, the dashboard, policy) never import an
area. Each area adds what it contributes from its own ``init_app()`` (see
docs/architecture.md); the shared layers read the registries below. A registry maps a
key to one contribution: registering the same key again replaces the entry, so
``create_app()`` may run any number of times (tests create many apps) without doubling
anything. Entries keep the order in which they were first registered.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:  # types only: the registries hold functions, not these classes
    from flask_babel import LazyString
    from sqlalchemy import ColumnElement, Select

    from app.auth.models import User
    from app.partnerships.models import Membership, Partnership

T = TypeVar("T")


class Registry(Generic[T]):
    """Contributions of one kind, by key, in the order they were first registered."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[Hashable, T] = {}

    def register(self, key: Hashable, entry: T) -> T:
        """Add entry under key, replacing what was registered under it before."""
        self._entries[key] = entry
        return entry

    def get(self, key: Hashable) -> T | None:
        return self._entries.get(key)

    def __getitem__(self, key: Hashable) -> T:
        return self._entries[key]

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[T]:
        """The entries (not the keys, unlike a dict), in registration order."""
        return iter(list(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[Hashable]:
        return list(self._entries)

    def items(self) -> list[tuple[Hashable, T]]:
        return list(self._entries.items())

    def __repr__(self) -> str:
        return f"<Registry {self.kind}: {', '.join(map(str, self._entries))}>"


# --- history and notifications (app.activity) ----------------------------------------


@dataclass
class Target:
    """An object a member follows or whose history they read, as its area resolves it."""

    kind: str
    obj: Any
    label: str
    url: str
    # (audit object type, id or a select() of ids): the events that belong to it
    audit: list[tuple[str, Any]] = field(default_factory=list)
    # audit object types, or single objects (type, id), whose values this member may not
    # read, with the fields (None: all)
    redact: dict[str | tuple[str, int], frozenset[str] | None] = field(default_factory=dict)


# (object id, the reader's membership) -> the object, or None when it is not in the
# member's partnership or the member may not read it.
ObjectResolver = Callable[[int, "Membership"], Target | None]


@dataclass(frozen=True)
class ObjectKind:
    """A kind of object with a history page: how to find one, and whether members can
    follow it (and so get notified of its comments and reminders)."""

    resolve: ObjectResolver
    followable: bool = False
    # (target, membership) -> whether this member may follow it (None: every reader may)
    may_follow: Callable[[Target, Membership], bool] | None = None


# (events on one page of the activity list, the reader's membership) -> ids of the
# events whose values this member may not read.
AuditRedaction = Callable[[list[Any], "Membership"], set[int]]


@dataclass(frozen=True)
class AuditType:
    """One object type of the audit trail (the class name its events carry)."""

    label: LazyString | str
    # the kind its history page is addressed by (see objects), if it has one
    history_kind: str | None = None
    # offered in the activity page's filter
    filterable: bool = True
    # how history and activity show stored values of enumerations: field -> value -> label
    values: Mapping[str, Mapping[str, LazyString | str]] = field(default_factory=dict)
    # fields that hold the id of another object: field -> key of its entry in ``titles``,
    # so history and activity show the object's title instead of its number
    references: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NotificationKind:
    """The sentence of one kind of notification; ``params`` adapts the stored
    parameters for it (e.g. a decision code to its label) when it is shown."""

    text: LazyString | str
    params: Callable[[dict], dict] | None = None


# (today) -> how many reminders were added; safe to run twice on the same day. The
# reminder pass commits once after all of them.
Reminder = Callable[[date], int]


# --- calendar feed (app.exports.calendar) --------------------------------------------


@dataclass
class CalendarQuery:
    """What a calendar source needs to add one person's dates to their feed."""

    user: User
    partnership_ids: list[int]
    start: date
    end: date
    limit: int
    # select() of the ids of the objects of a kind this person follows
    followed: Callable[[str], Select]
    # (endpoint, partnership id, **values) -> the absolute URL of a partnership page
    url: Callable[..., str]


# (query) -> ICS event blocks (see app.exports.ics)
CalendarSource = Callable[[CalendarQuery], list[list[str]]]


# --- search (app.search) ---------------------------------------------------------------


@dataclass(frozen=True)
class Indexer:
    """How one model's objects become search documents.

    ``index(obj)`` returns (kind, object id, Doc or None to take the document out);
    ``everything()`` is the select() that `flask search reindex` walks (None: the model
    is indexed through another one).
    """

    model: type
    index: Callable[[Any], list[tuple[str, int, Any]]]
    everything: Callable[[], Select] | None = None


# (membership, the search document model) -> SQL conditions that keep only what the
# member may read of the documents this area restricts.
SearchFilter = Callable[["Membership", type], list["ColumnElement[bool]"]]


# --- dashboard, principle links, agreement origins ----------------------------------------


@dataclass(frozen=True)
class Panel:
    """A panel of the dashboard's "what needs my attention": ``compose(partnership,
    membership)`` gives {"title", "template", ...context}, or None to hide it.

    ``kept``: what it shows depends only on data outside app.kept.UNREAD, the member
    (user, role, organisation), the language and today. Its HTML is then kept until such
    data changes (app/kept.py) instead of being composed on every view. A panel that reads
    comments, mentions or read markers, or the time of day, is not kept; nor one with a
    form (its CSRF token belongs to one session).
    """

    compose: Callable[[Partnership, Membership], dict | None]
    kept: bool = False


# (partnership, membership) -> {"template", ...context} or None: a small visual in the
# dashboard's "at a glance" row (one statement at most, the list page's own query)
Glance = Callable[["Partnership", "Membership"], dict | None]


@dataclass(frozen=True)
class GlanceCount:
    """A big number in the dashboard's "at a glance" row: how many rows ``query`` (the
    list page's own select(), for this member) has, linking to that list at ``url``. The
    dashboard counts all of them in one statement."""

    label: LazyString | str
    query: Select
    url: str


# (partnership, membership) -> a count, or None when the member may not see that list
GlanceCounter = Callable[["Partnership", "Membership"], GlanceCount | None]
# ids -> {id: (title, url)} of the objects of one source type that link to a principle
Describer = Callable[[list[int]], dict[int, tuple[str, str]]]
# ids -> {id: title} of the objects of one kind, as history and activity name them
TitleLookup = Callable[[list[int]], dict[int, str]]
# origin id -> URL of where an agreement came from (within the current partnership)
OriginResolver = Callable[[int], str | None]
# agreement -> {"template", ...context} or None: a section another area adds to it
AgreementSection = Callable[[Any], dict | None]


# --- scheduled work, what came of a table, what a period brought ---------------------------

# (now, naive UTC) -> how many objects it changed: work `flask notify send` does on each
# run before the reminders (e.g. closing what is due); it commits its own work.
Job = Callable[[datetime], int]
# table -> rows {"label", "url", "result_label", "result_url"} another area adds to the
# table's "what came of it" list
TableOutcomes = Callable[[Any], list[dict]]
# (partnership id, start, end as naive UTC) -> {"template", ...plain data} or None: a part
# another area adds to a cycle's summary (plain data: it is frozen with the summary)
PeriodPart = Callable[[int, datetime, datetime], dict | None]


# --- imports (app.imports) ------------------------------------------------------------


@dataclass
class RowPlan:
    """What importing one row of a file would do: create, update (a new version) or
    nothing, with its errors (the row is not imported) and warnings in the reader's
    language. ``data`` is what the area's apply step needs."""

    line: int
    reference: str = ""
    title: str = ""
    action: str = "create"  # "create", "update" or "unchanged"
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    data: Any = None

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Importer:
    """One kind of list that can be imported (agreements, risks, measurements).

    ``columns`` maps a column key to the headers it is known by (the first is shown);
    ``plan(partnership_id, rows)`` checks each row ({key: value} with "_line") with the
    rules of the area's services and returns a RowPlan per row, writing nothing;
    ``apply(partnership_id, plan, user_id, filename)`` creates or changes one valid
    row through the area's services without committing (the import commits once);
    ``template(partnership_id)`` gives the XLSX template's bytes.
    """

    label: LazyString | str
    columns: dict[str, list[str]]
    required: frozenset[str]
    plan: Callable[[int, list[dict]], list[RowPlan]]
    apply: Callable[[int, RowPlan, int, str], None]
    template: Callable[[int], bytes]
    # the endpoint of the area's list, which the import page links back to
    list_endpoint: str
    # who may import it (besides app.policy's "import.run" of the import pages)
    permission: str = "import.run"


# --- the archive of a partnership (app.exports.archive) ------------------------------------


@dataclass(frozen=True)
class ArchivePart:
    """What an area puts in a partnership's archive.

    ``documents(partnership_id, with_case_details)`` gives one plain dict per object:
    {"kind", "id", "reference", "title", "fields", "versions", "decisions", "comments",
    "audit_type"} (the archive adds the object's audit trail by ``audit_type`` and id);
    ``files(partnership_id, with_case_details)`` gives (path in the ZIP, bytes) of its
    files: PDFs (within a request context: they are rendered from templates) and stored
    documents; an iterator is read one file at a time.
    """

    documents: Callable[[int, bool], list[dict]]
    files: Callable[[int, bool], Iterable[tuple[str, bytes]]] | None = None


# --- documents (app.documents) ------------------------------------------------------------


@dataclass
class AttachTarget:
    """One object that takes documents, as its area resolves it for one member."""

    obj: Any
    partnership_id: int
    label: str
    url: str
    # the member may read the object
    may_read: bool
    # the member may attach documents to it (edit it; a comment: take part where it stands)
    may_attach: bool
    # reviews: the documents are case details of this organisation
    case_organisation_id: int | None = None
    # reviews: still a concept (its documents stay inside the recording organisation)
    concept: bool = False
    # reviews: the uploader may mark a document "deelbaar"
    offers_shareable: bool = False


@dataclass(frozen=True)
class DocumentScope:
    """Who finds one document in search, as its object's area decides (consistent with
    policy.may_read_document): the same columns the search index restricts every kind by."""

    # only this organisation's members (a review's case documents)
    organisation_id: int | None = None
    # only those who may read this thematic table (meeting and comment documents)
    table_id: int | None = None
    # whether its extracted text is searchable (not for case details: only the name)
    text: bool = True


@dataclass(frozen=True)
class Attachable:
    """A kind of object documents are attached to.

    ``resolve(object_id, membership)`` gives the AttachTarget, or None when the object is
    not in the member's partnership or the member may not read it at all.
    ``search_scope(document)`` says who finds the document in search (None: no one, as
    for a hidden comment's); without it every member of the partnership finds it, by its
    name and its text. ``check_upload(inspected, data)`` refuses a file this kind of object
    may not hold (raising UploadRefused) before anything is stored. ``case_details``: its
    documents are case details of one organisation, and one shared beyond it is shared at
    its latest version only (policy.may_read_version).
    """

    label: LazyString | str
    resolve: Callable[[int, Membership], AttachTarget | None]
    search_scope: Callable[[Any], DocumentScope | None] | None = None
    check_upload: Callable[[Any, bytes], None] | None = None
    case_details: bool = False


# --- the registries ------------------------------------------------------------------------

# object kind ("agreement", "risk", ...) -> how to find one, whether it can be followed
objects: Registry[ObjectKind] = Registry("objects")
# audit object type ("Agreement", ...) -> its name and history page
audit_types: Registry[AuditType] = Registry("audit types")
# name -> redaction of the activity list
audit_redactions: Registry[AuditRedaction] = Registry("audit redactions")
# notification kind ("revisit_due", ...) -> its sentence
notification_kinds: Registry[NotificationKind] = Registry("notification kinds")
# name -> reminder rule
reminders: Registry[Reminder] = Registry("reminders")
# name -> calendar source
calendar_sources: Registry[CalendarSource] = Registry("calendar sources")
# model class -> indexer
indexers: Registry[Indexer] = Registry("search indexers")
# document kind ("principle", "agreement", ...) -> its group heading in the results,
# shown in registration order
search_kinds: Registry[LazyString | str] = Registry("search kinds")
# name -> search filter
search_filters: Registry[SearchFilter] = Registry("search filters")
# list kind ("agreements", "risks", "measurements") -> how its files are imported
importers: Registry[Importer] = Registry("importers")
# area -> what it puts in a partnership's archive, in registration order
archive_parts: Registry[ArchivePart] = Registry("archive parts")
# name -> dashboard panel, shown in registration order
panels: Registry[Panel] = Registry("dashboard panels")
# name -> small visual at the top of the dashboard, shown in registration order
glances: Registry[Glance] = Registry("dashboard glances")
# name -> big count at the top of the dashboard, shown in registration order
glance_counts: Registry[GlanceCounter] = Registry("dashboard glance counts")
# link source type ("agreement", "risk", "review", "lesson") -> describer
describers: Registry[Describer] = Registry("principle link describers")
# object kind ("agreement", "risk", "table", ...) -> its titles in history and activity
titles: Registry[TitleLookup] = Registry("titles of referenced objects")
# origin type ("conversation", "meeting_decision", "cycle") -> resolver
origins: Registry[OriginResolver] = Registry("agreement origins")
# name -> section on an agreement's page. Origins and sections are kept with the page's
# account of the agreement (templates/agreements/show.html, app/kept.py): they must read
# only tables outside kept.UNREAD and show the same to every member.
agreement_sections: Registry[AgreementSection] = Registry("agreement sections")
# name -> scheduled job
jobs: Registry[Job] = Registry("scheduled jobs")
# name -> rows of a table's "what came of it"
table_outcomes: Registry[TableOutcomes] = Registry("table outcomes")
# name -> part of a cycle's summary
period_parts: Registry[PeriodPart] = Registry("cycle summary parts")
# object kind ("agreement", "risk", "comment", ...) -> how documents attach to it
attachables: Registry[Attachable] = Registry("attachables")
# area -> {name in templates: module constant mapping a value to its lazy label (_l)}, every
# page's context, translated into the page's language (app.views.labels_context)
page_labels: Registry[Mapping[str, Mapping]] = Registry("page labels")

"""Who may do what: the one place for access rules.

Every view declares its rule with one of the decorators below. Partnership views
(`/p/<slug>/...`) use ``requires(permission)``: the user must be logged in, an active
member of that partnership, and have a role that grants the permission. A test walks
``app.url_map`` and fails on any view that declares nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import abort, g, request
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import contains_eager

from app.extensions import db, login_manager
from app.partnerships.models import ROLES, Membership, Partnership

if TYPE_CHECKING:  # types only
    from app.registry import AttachTarget

F = TypeVar("F", bound=Callable[..., Any])

ALL_ROLES = frozenset(ROLES)

# permission -> roles that have it
PERMISSIONS: dict[str, frozenset[str]] = {
    "partnership.view": ALL_ROLES,
    "partnership.admin": frozenset({"beheerder"}),
    # The partnership's activity page (the whole audit trail).
    "activity.view": frozenset({"beheerder", "programmamanager"}),
    "manifest.view": ALL_ROLES,
    "manifest.edit": frozenset({"beheerder", "programmamanager"}),
    "manifest.endorse": frozenset({"bestuurder"}),
    "manifest.propose": ALL_ROLES - {"lezer"},
    "manifest.decide": frozenset({"beheerder", "programmamanager"}),
    "agreement.view": ALL_ROLES,
    "agreement.edit": frozenset({"beheerder", "programmamanager"}),
    "agreement.comment": ALL_ROLES - {"lezer"},
    "import.run": frozenset({"beheerder", "programmamanager"}),
    "risk.view": ALL_ROLES,
    "risk.edit": frozenset({"beheerder", "programmamanager"}),
    "risk.comment": ALL_ROLES - {"lezer"},
    "risk.settings": frozenset({"beheerder"}),
    # Thematic tables: the route needs table.view; what a member may do in one table is
    # decided per table by table_access() below.
    "table.view": ALL_ROLES,
    "table.manage": frozenset({"beheerder", "programmamanager"}),
    # Reviews: recorded by a team for its own organisation; what one member may read of
    # one review is decided by the functions below.
    "review.view": ALL_ROLES,
    "review.record": frozenset({"beheerder", "programmamanager", "teamlid"}),
    "review.settings": frozenset({"beheerder"}),
    # An action's status: its owner or a programme manager (decided in the service).
    "action.update": ALL_ROLES,
    "cycle.view": ALL_ROLES,
    "cycle.manage": frozenset({"beheerder", "programmamanager"}),
    "cycle.decide": frozenset({"bestuurder"}),
    # Indicators are proposed and agreed by programme managers of both sides.
    "indicator.propose": frozenset({"programmamanager"}),
    # Decisions by the organisations: who may answer for one organisation, and where one
    # may propose, is decided by the functions below.
    "decision.view": ALL_ROLES,
    "decision.propose": ALL_ROLES - {"lezer"},
    "decision.answer": ALL_ROLES - {"lezer"},
    "decision.designate": frozenset({"bestuurder", "beheerder"}),
    # Documents: every route needs this; whether a member may read, attach to or manage
    # one object's documents is decided per object (the area's attachable, and
    # may_read_document() / may_manage_document() below), so that an object they may not
    # read is 404 for everyone.
    "document.view": ALL_ROLES,
}

TABLE_MANAGERS = frozenset({"beheerder", "programmamanager"})
# Roles that read and never write: no chair, table membership or other standing gives
# them a write right; table_access() and every permission above keep them out.
READ_ONLY_ROLES = frozenset({"lezer"})
# Levels of access to one thematic table, each including the ones before it.
TABLE_NONE, TABLE_READ, TABLE_TAKE_PART, TABLE_MANAGE = 0, 1, 2, 3


def table_access(membership: Membership, chair_id: int | None, is_member: bool) -> int:
    """What a member may do in one thematic table.

    - beheerder and programmamanager, and the table's chair: manage (members, meetings,
      moderation, closing conversations) and take part;
    - partner: only the tables they are a member of, where they take part; other
      tables do not exist for them (404);
    - bestuurder and teamlid: read every table; take part where they are a member;
    - lezer: read every table, never write, whatever else they are (chair, member).
    """
    if membership.role in READ_ONLY_ROLES:
        return TABLE_READ
    if membership.role in TABLE_MANAGERS or (chair_id and chair_id == membership.user_id):
        return TABLE_MANAGE
    if membership.role == "partner":
        return TABLE_TAKE_PART if is_member else TABLE_NONE
    if is_member and membership.role != "lezer":
        return TABLE_TAKE_PART
    return TABLE_READ


PUBLIC = "public"
AUTHENTICATED = "authenticated"


def role_may(role: str, permission: str) -> bool:
    """Whether a role grants a permission; unknown permissions grant nothing, and a
    read-only role is granted nothing but reading."""
    if role in READ_ONLY_ROLES and not permission.endswith(".view"):
        return False
    return role in PERMISSIONS.get(permission, frozenset())


def can(permission: str, membership: Membership | None = None) -> bool:
    """Whether the member (by default the current one, g.membership) has the permission."""
    membership = membership if membership is not None else g.get("membership")
    return membership is not None and membership.active and role_may(membership.role, permission)


def _declare(view: F, rule: str) -> F:
    view.access_rule = rule  # type: ignore[attr-defined]
    return view


def public(view: F) -> F:
    """Anyone, logged in or not."""
    return _declare(view, PUBLIC)


def authenticated(view: F) -> F:
    """Any logged-in user; not tied to a partnership."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return _declare(wrapper, AUTHENTICATED)


@cache
def _membership_statement():
    """The member's membership of the page's partnership with the partnership, in one query;
    built once, as it runs on every partnership page."""
    return (
        select(Membership)
        .join(Partnership)
        .options(contains_eager(Membership.partnership))
        .where(
            Partnership.slug == bindparam("slug"),
            Membership.user_id == bindparam("user_id"),
            Membership.active.is_(True),
        )
    )


_PAGE_MEMBERSHIP = "samenspel.page_membership"


def note_page_membership(slug: str, user_id: int, membership: Membership | None) -> None:
    """The signed-in user's active membership of the partnership of this slug (None: not
    a member, or no such partnership), as the sign-in of this request read it along with
    the session (app.auth.sessions.load): requires() then need not read it again."""
    request.environ[_PAGE_MEMBERSHIP] = (slug, user_id, membership)


def _page_membership(slug: str, user_id: int) -> Membership | None:
    found = request.environ.get(_PAGE_MEMBERSHIP)
    if found is not None and found[0] == slug and found[1] == user_id:
        return found[2]
    # Signed in otherwise than through a session cookie in this request (tests, scripts).
    values = {"slug": slug, "user_id": user_id}
    return db.session.execute(_membership_statement(), values).scalar_one_or_none()


def requires(permission: str) -> Callable[[F], F]:
    """A partnership view: the current user needs ``permission`` in ``<slug>``.

    Loads g.partnership and g.membership. Not a member (or another partnership's
    slug) gives 404, so the existence of a partnership is not revealed; a member
    without the permission gets 403.
    """
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            slug = kwargs.get("slug") or (request.view_args or {}).get("slug")
            membership = _page_membership(slug, current_user.id)
            if membership is None:
                abort(404)
            g.membership = membership
            g.partnership = membership.partnership
            if not can(permission, membership):
                abort(403)
            return view(*args, **kwargs)

        return _declare(wrapper, f"requires:{permission}")  # type: ignore[return-value]

    return decorator


def get_scoped_or_404(model: type, object_id: int) -> Any:
    """An object of the current partnership by id; any other partnership's id is 404."""
    obj = db.session.get(model, object_id)
    if obj is None or obj.partnership_id != g.partnership.id:
        abort(404)
    return obj


def scoped(model: type):
    """A select() of model limited to the current partnership."""
    return select(model).where(model.partnership_id == g.partnership.id)


def may_read_case_details(membership: Membership, organisation_id: int) -> bool:
    """Case details (description, aims, findings) stay inside the recording organisation;
    the beheerder may read them too."""
    return membership.role == "beheerder" or membership.organisation_id == organisation_id


def may_see_review(membership: Membership, status: str, organisation_id: int) -> bool:
    """A finalised review's title, kind, date, scores and lessons are shared with the whole
    partnership; a concept only with the recording organisation (and the beheerder)."""
    return status == "vastgesteld" or may_read_case_details(membership, organisation_id)


def may_edit_review(membership: Membership, status: str, organisation_id: int) -> bool:
    """A concept is edited and finalised by its organisation's recording members."""
    return (
        status == "concept"
        and role_may(membership.role, "review.record")
        and membership.organisation_id == organisation_id
    )


# Who proposes a decision at partnership level (in a table: whoever takes part in it).
PARTNERSHIP_PROPOSERS = frozenset({"beheerder", "programmamanager"})


def may_propose_for_partnership(membership: Membership) -> bool:
    return membership.active and membership.role in PARTNERSHIP_PROPOSERS


def may_decide_for(membership: Membership, organisation_id: int, designated: bool) -> bool:
    """An organisation answers a proposal through its bestuurder, or through a member of
    it whom its bestuurder designated; a lezer never writes."""
    if not membership.active or membership.organisation_id != organisation_id:
        return False
    return membership.role == "bestuurder" or (designated and membership.role != "lezer")


def may_designate_for(membership: Membership, organisation_id: int) -> bool:
    """An organisation's bestuurder designates who else decides for it; the beheerder may
    do so for any organisation (one without a bestuurder in the partnership, too)."""
    if not membership.active:
        return False
    if membership.role == "beheerder":
        return True
    return membership.role == "bestuurder" and membership.organisation_id == organisation_id


def may_read_document(membership: Membership, document: Any, target: AttachTarget) -> bool:
    """A document is read by those who may read its object (``target``, as the object's
    area resolved it for this member). A review's documents are case details: always for
    the recording organisation's members; of a concept for no one else; of a finalised
    review for the rest of the partnership only when the uploader marked it "deelbaar"."""
    if not membership.active or not target.may_read:
        return False
    if target.case_organisation_id is None:
        return True
    if membership.organisation_id == target.case_organisation_id:
        return True
    if target.concept:
        return False
    return bool(document.shareable)


def may_read_version(
    membership: Membership, document: Any, version: Any, target: AttachTarget
) -> bool:
    """One version of a document the member may read. Of a review's document shared with
    the partnership, other organisations read only the latest version: the one the privacy
    guard checked before finalising (personal data is removed by uploading a newer version,
    so the older ones stay case details of the recording organisation)."""
    if not may_read_document(membership, document, target):
        return False
    if target.case_organisation_id in (None, membership.organisation_id):
        return True
    return version.number == document.latest.number


def may_attach_to(membership: Membership, target: AttachTarget) -> bool:
    """Attaching a document: whoever the object's area lets attach (a lezer never writes)."""
    return membership.active and target.may_attach and membership.role not in READ_ONLY_ROLES


def may_manage_document(membership: Membership, document: Any, target: AttachTarget) -> bool:
    """A newer version or archiving: whoever may attach to the object and read the document."""
    return may_attach_to(membership, target) and may_read_document(membership, document, target)

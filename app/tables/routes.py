"""Thematic table pages: tables, members, conversations with comments, meetings."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import inspect

from app.activity.notifications import base_url
from app.exports.ics import calendar, event, ics_response
from app.extensions import db
from app.forms import is_id, select_choices
from app.kept import keep
from app.markdown import render_markdown
from app.partnerships.services import members_of as partnership_members
from app.policy import TABLE_MANAGE, TABLE_NONE, TABLE_READ, TABLE_TAKE_PART, can, requires
from app.tables import services
from app.tables.forms import (
    STATUS_LABELS,
    CommentForm,
    ConclusionForm,
    ConversationForm,
    DecisionForm,
    EditCommentForm,
    MeetingForm,
    MemberForm,
    ReasonForm,
    TableForm,
)
from app.tables.models import (
    CLOSED,
    OPEN,
    Comment,
    Conversation,
    Meeting,
    MeetingDecision,
    ThematicTable,
)
from app.timeutil import local, utcnow
from app.urls import url_pattern
from app.views import ensure_current, form_status, page_number, service_errors

bp = Blueprint("tables", __name__, url_prefix="/p/<slug>/tables")


# The labels this area's templates show, translated into the page's language for every
# page (app.views.labels_context, through app.registry.page_labels).
PAGE_LABELS = {"table_status_labels": STATUS_LABELS}


@bp.app_template_filter("comment_markdown")
def comment_markdown(text: str | None):
    """A comment's Markdown with its mentions as "@" and the person's current name. The
    conversation page reads the names its comments mention before rendering; elsewhere
    the partnership's names are read once per request, at the first comment shown, so a
    page costs the same whether or not its comments mention anyone."""
    names = g.get("mention_names")
    if names is None:
        partnership = g.get("partnership")
        names = g.mention_names = services.names_in(partnership.id) if partnership else {}
    return render_markdown(text, names)


# What every comment of a conversation page says, translated once per request.
COMMENT_TEXTS = {
    "new": _l("new"),
    "edited": _l("edited"),
    "see_history": _l("see the history"),
    "edit": _l("Edit"),
    "your_comment": _l("your comment"),
    "hide": _l("Hide"),
    "documents": _l("Documents"),
    "reply": _l("Reply"),
    "reply_label": _l("Your reply"),
    "comment_label": _l("Your comment"),
    "mention_help": _l(
        "Mention a member of the table with @ and their name, e.g. @Mehmet Yilmaz; "
        "suggestions appear as you type. You can use Markdown."
    ),
    "mention_list": _l("Members to mention"),
    "place_reply": _l("Place reply"),
    "place_comment": _l("Place comment"),
}
NEW_BADGE = '<span class="utrecht-status-badge utrecht-status-badge--warning">%s</span>'
# The same, with the author's name (screen-reader text of every comment's links).
COMMENT_NAMED_TEXTS = {
    "of_comment_by": _l("of the comment by %(name)s"),
    "comment_by": _l("comment by %(name)s"),
    "to": _l("to %(name)s"),
}


@dataclass(frozen=True)
class CommentParts:
    """The texts and links of a conversation's comments and comment forms."""

    text: dict[str, str]
    named: dict[str, str]  # COMMENT_NAMED_TEXTS translated, see by()
    user_id: int  # the reader
    now: datetime  # of this request: whether a comment may still be edited
    post: str  # where a comment or reply is posted
    mentions: str  # the mention suggestions, without ?target=
    edit: Callable[[int], str]  # comment id -> link
    hide: Callable[[int], str]
    history: Callable[[int], str]
    documents: Callable[[int], str]  # comment id -> its documents
    reply_form: Callable[[int], Markup]  # comment id -> its empty reply form
    new_badge: Markup  # shown with a comment the reader has not seen yet

    def by(self, key: str, name: str) -> Markup:
        """A text of COMMENT_NAMED_TEXTS with the name escaped into it."""
        return Markup(self.named[key]) % {"name": name}  # noqa: S704  (a translation; the name escaped)

    def may_edit(self, comment: Comment) -> bool:
        return services.may_edit(comment, self.user_id, self.now)


# Where the comment's id goes in the reply form rendered once a page: braces occur in
# none of the form's links, ids, token or texts.
REPLY_TO = "{reply-to}"


def _reply_form(table: ThematicTable, conversation: Conversation) -> Callable[[int], Markup]:
    """The empty reply form, rendered once (the template's own output, escaped as usual)
    and given each top-level comment's id: a page of 50 comments otherwise renders the
    form 50 times."""
    rendered: list[str] = []  # at the first comment (the form itself reads comment_parts)

    def reply_form(comment_id: int) -> Markup:
        if not rendered:
            template = current_app.jinja_env.get_template("tables/_comment_form.html")
            rendered.append(template.render(table=table, conversation=conversation,
                                            parent_id=REPLY_TO, form=None, oob=False))  # fmt: skip
        return Markup(rendered[0].replace(REPLY_TO, str(int(comment_id))))  # noqa: S704  (rendered escaped; an int)

    return reply_form


@bp.app_template_global()
def comment_parts(table: ThematicTable, conversation: Conversation) -> CommentParts:
    """CommentParts of this conversation, built once per request from texts kept per
    language and links kept per conversation: a page of 50 comments with their reply
    forms otherwise calls url_for and gettext hundreds of times."""
    kept = g.setdefault("comment_parts", {})
    if conversation.id not in kept:
        text, named, new_badge = _comment_texts(str(get_locale()))
        links = _comment_links(request.script_root, g.partnership.slug, table.id, conversation.id)
        kept[conversation.id] = CommentParts(
            text=text, named=named, user_id=current_user.id, now=utcnow(), **links,
            reply_form=_reply_form(table, conversation), new_badge=new_badge,
        )  # fmt: skip
    return kept[conversation.id]


@lru_cache(maxsize=8)
def _comment_texts(locale: str) -> tuple[dict[str, str], dict[str, str], Markup]:
    """COMMENT_TEXTS and COMMENT_NAMED_TEXTS in this language (the page's), and the new
    badge."""
    text = {key: str(text) for key, text in COMMENT_TEXTS.items()}
    named = {key: str(text) for key, text in COMMENT_NAMED_TEXTS.items()}
    return text, named, Markup(NEW_BADGE) % text["new"]  # noqa: S704  (a constant)


@lru_cache(maxsize=1024)
def _comment_links(script_root: str, slug: str, table_id: int, conversation_id: int) -> dict:
    """The links of a conversation's comments (a URL depends on nothing else here, see
    app.fixed_url)."""
    values = {"slug": slug, "table_id": table_id, "conversation_id": conversation_id}
    return {
        "post": url_for("tables.post_comment", **values),
        "mentions": url_for("tables.mention_suggestions", slug=slug, table_id=table_id),
        "edit": url_pattern("tables.edit_comment", "comment_id", **values),
        "hide": url_pattern("tables.hide_comment", "comment_id", **values),
        "history": url_pattern("tables.comment_history", "comment_id", **values),
        "documents": url_pattern("documents.index", "object_id", slug=slug, kind="comment"),
    }


# A comment as HTML, kept per process (ARTICLES_KEPT of them, the oldest dropped first):
# a conversation page shows 50 comments with their replies, and rendering each costs more
# than the rest of the page. The key holds everything the HTML is made of, so a kept
# article is never stale: the comment's own columns (an edit or hiding changes them), the
# names it shows, the reader's rights on it, the language and the links' slug. What
# differs per reader and request is left out and put in where these markers stand: the
# "new" badge, the replies and the reply form (with the session's CSRF token). Nothing a
# reader writes can make a marker: Markdown is cleaned of HTML comments, names escaped.
ARTICLES_KEPT = 4096
NEW_MARK, REPLIES_MARK, FORM_MARK = "<!--new-->", "<!--replies-->", "<!--reply-form-->"
_articles: dict[tuple, tuple[str, str, str, str]] = {}


@bp.app_template_global()
def comment_articles(comments: Iterable[Comment], replies: Mapping[int, list[Comment]],
                     table: ThematicTable, conversation: Conversation, access: int,
                     last_read: int, reply_form: tuple | None = None) -> Markup:  # fmt: skip
    """The articles of these top-level comments with their replies (top-level id -> its
    replies), as the reader sees them: the "new" badge on what they have not read, an empty
    reply form under each comment they may answer, or the refused one (reply_form: the
    comment's id and the form). Made here rather than in a template loop: a page shows 50
    comments with their replies, and each article is mostly kept (kept_comment)."""
    parts = comment_parts(table, conversation)
    article = current_app.jinja_env.get_template("tables/_comment_macro.html").module.article
    manage, is_open = access >= TABLE_MANAGE, conversation.status == "open"
    may_answer = is_open and access >= TABLE_TAKE_PART
    page = _page_key()

    def one(comment: Comment, its_replies: Iterable[Comment]) -> str:
        take_part = may_answer and not comment.parent_id
        failed = None
        if take_part and reply_form and str(reply_form[0]) == str(comment.id):
            failed = reply_form[1]
        replies_html = "".join(one(reply, ()) for reply in its_replies)
        form_html = ""
        if failed:
            form_html = render_template("tables/_comment_form.html", table=table,
                                        conversation=conversation, parent_id=comment.id,
                                        form=failed, oob=False)  # fmt: skip
        elif take_part:
            form_html = parts.reply_form(comment.id)
        may_edit = is_open and parts.may_edit(comment)
        reader = (table.id, manage, take_part, may_edit, failed is not None)
        return kept_comment(
            comment, page, reader, parts.new_badge if comment.id > last_read else "",
            replies_html, form_html,
            lambda: article(comment, parts, manage, take_part, may_edit, failed is not None),
        )  # fmt: skip

    html = "".join(one(c, () if c.parent_id else replies.get(c.id, ())) for c in comments)
    return Markup(html)  # noqa: S704  (rendered escaped)


def kept_comment(comment: Comment, page: tuple | None, reader: tuple, badge: str, replies: str,
                 form: str, caller: Callable[[], str]) -> Markup:  # fmt: skip
    """The comment's article (caller() renders it, with the three markers), with the new
    badge, replies and reply form put in. page: what all articles of the page are made
    with (_page_key(); None: not kept); reader: the table, and what the reader may do with
    the comment (rights, whether they may edit it now, a refused reply)."""
    if page is None:
        return _spliced(_parts(caller()), badge, replies, form)
    key = (comment.id, comment.conversation_id, comment.parent_id, comment.created_at,
           comment.edited_at, comment.hidden_at, comment.hidden_reason, comment.body,
           comment.author.name, comment.hidden_by.name if comment.hidden_by else None,
           reader, page)  # fmt: skip
    parts = _articles.get(key)
    if parts is None:
        parts = _parts(caller())
        keep(_articles, key, parts, ARTICLES_KEPT)
    return _spliced(parts, badge, replies, form)


def _page_key() -> tuple | None:
    """What the articles of this page are made with besides the comment itself: the names
    its mentions show, the language and the links' slug; None on a page that did not read
    the mentioned names first (its articles are not kept)."""
    names = g.get("mention_names")
    if names is None:
        return None
    return tuple(sorted(names.items())), str(get_locale()), g.partnership.slug


def _parts(html: str) -> tuple[str, str, str, str]:
    """The article cut at its markers (a reply has no replies or form: those parts are
    empty)."""
    before, rest = html.split(NEW_MARK)
    middle, _, rest = rest.partition(REPLIES_MARK)
    between, _, end = rest.partition(FORM_MARK)
    return before, middle, between, end


def _spliced(parts: tuple[str, str, str, str], badge: str, replies: str, form: str) -> Markup:
    before, middle, between, end = parts
    return Markup("".join((before, badge, middle, replies, between, form, end)))  # noqa: S704  (rendered escaped)


def _table(table_id: int, needed: int = TABLE_READ) -> tuple[ThematicTable, int]:
    """The table and the current member's access; 404 when they may not see it, 403 when
    they may see but not do this."""
    table = db.session.get(ThematicTable, table_id)
    if table is None or table.partnership_id != g.partnership.id:
        abort(404)
    access = services.access_to(table, g.membership)
    if access == TABLE_NONE:
        abort(404)
    if access < needed:
        abort(403)
    g.table_access = access
    return table, access


def _conversation(table: ThematicTable, conversation_id: int) -> Conversation:
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or conversation.table_id != table.id:
        abort(404)
    return conversation


def _comment(conversation: Conversation, comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.conversation_id != conversation.id:
        abort(404)
    return comment


def _meeting(table: ThematicTable, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.table_id != table.id:
        abort(404)
    return meeting


def _member_choices(form_field, with_empty: bool = True, empty_label=None, options=None):
    options = partnership_members(g.partnership.id) if options is None else options
    if with_empty:
        options = [("", empty_label or _("(nobody)"))] + options
    form_field.choices = select_choices(options)


# --- tables --------------------------------------------------------------------------------


@bp.get("/")
@requires("table.view")
def index(slug: str):
    return render_template("tables/index.html", rows=services.tables_for(g.membership))


@bp.route("/new", methods=["GET", "POST"])
@requires("table.manage")
def new(slug: str):
    form = TableForm()
    _member_choices(form.chair_id, options=services.chair_candidates(g.partnership.id))
    if request.method == "GET":
        form.chair_id.data = current_user.id
    if form.validate_on_submit():
        with service_errors(form):
            table = services.create_table(g.partnership.id, form.data, current_user.id)
            flash(_("The table has been created."), "success")
            return redirect(url_for("tables.show", slug=slug, table_id=table.id))
    return render_template("tables/form.html", form=form, table=None), form_status()


@bp.get("/<int:table_id>")
@requires("table.view")
def show(slug: str, table_id: int):
    table, access = _table(table_id)
    upcoming, past = services.meetings_of(table)
    return render_template(
        "tables/show.html",
        table=table,
        access=access,
        members=services.members_of(table),
        conversations=services.conversations_of(table, current_user.id),
        upcoming=upcoming,
        past=past,
        outcomes=services.outcomes_of(table),
        contributed_outcomes=services.contributed_outcomes(table),
        TAKE_PART=TABLE_TAKE_PART,
        MANAGE=TABLE_MANAGE,
    )


@bp.route("/<int:table_id>/edit", methods=["GET", "POST"])
@requires("table.view")
def edit(slug: str, table_id: int):
    table, _access = _table(table_id, TABLE_MANAGE)
    form = TableForm(obj=table)
    _member_choices(form.chair_id, options=services.chair_candidates(g.partnership.id))
    if form.validate_on_submit():
        ensure_current(table, form, {"name": _("Name"), "status": _("Status")})
        with service_errors(form):
            services.update_table(table, form.data, current_user.id)
            flash(_("The table has been saved."), "success")
            return redirect(url_for("tables.show", slug=slug, table_id=table.id))
    return render_template("tables/form.html", form=form, table=table), form_status()


@bp.route("/<int:table_id>/members", methods=["GET", "POST"])
@requires("table.view")
def members(slug: str, table_id: int):
    table, _access = _table(table_id, TABLE_MANAGE)
    form = MemberForm()
    current = services.members_of(table)
    present = {m.user_id for m in current}
    form.user_id.choices = select_choices(
        [("", _("Choose a person"))]
        + [(uid, name) for uid, name in partnership_members(g.partnership.id) if uid not in present]
    )
    if form.validate_on_submit():
        with service_errors(form):
            services.add_member(table, form.user_id.data, current_user.id)
            flash(_("The member has been added."), "success")
            return redirect(url_for("tables.members", slug=slug, table_id=table.id))
    return render_template(
        "tables/members.html", table=table, members=current, form=form
    ), form_status()


@bp.post("/<int:table_id>/members/<int:user_id>/remove")
@requires("table.view")
def remove_member(slug: str, table_id: int, user_id: int):
    table, _access = _table(table_id, TABLE_MANAGE)
    with service_errors():
        services.remove_member(table, user_id, current_user.id)
        flash(_("The member has been removed from the table."), "success")
    return redirect(url_for("tables.members", slug=slug, table_id=table.id))


@bp.get("/<int:table_id>/mentions")
@requires("table.view")
def mention_suggestions(slug: str, table_id: int):
    table, _access = _table(table_id, TABLE_TAKE_PART)
    target = request.args.get("target", "")
    if not re.fullmatch(r"(comment|reply)-body(-\d{1,12})?", target):
        target = "comment-body"
    return render_template(
        "tables/_mentions.html",
        suggestions=services.member_suggestions(table, request.args.get("q", "")[:60]),
        target=target,
    )


# --- conversations ------------------------------------------------------------------------


@bp.route("/<int:table_id>/conversations/new", methods=["GET", "POST"])
@requires("table.view")
def new_conversation(slug: str, table_id: int):
    table, access = _table(table_id, TABLE_TAKE_PART)
    form = ConversationForm()
    if form.validate_on_submit():
        with service_errors(form):
            conversation = services.start_conversation(
                table, access, current_user.id, form.title.data, form.introduction.data
            )
            flash(_("The conversation has been started."), "success")
            return redirect(_conversation_url(conversation))
    return render_template("tables/conversation_form.html", form=form, table=table), form_status()


def _conversation_url(conversation, **args) -> str:
    return url_for(
        "tables.conversation", slug=g.partnership.slug, table_id=conversation.table_id,
        conversation_id=conversation.id, **args,
    )  # fmt: skip


@bp.get("/<int:table_id>/conversations/<int:conversation_id>")
@requires("table.view")
def conversation(slug: str, table_id: int, conversation_id: int):
    table, access = _table(table_id)
    conversation = _conversation(table, conversation_id)
    # No comment form object: the page's empty form is written out by _comment_form.html,
    # which needs one only for a refused comment's errors and text.
    return _show_conversation(table, access, conversation, None)


def _show_conversation(table, access, conversation, form, status: int = 200, reply_form=None,
                       page_no: int | None = None):  # fmt: skip
    last_read = services.last_read(conversation, current_user.id)
    more = bool(request.htmx) and request.args.get("more")
    if not more and status < 400:
        # Before loading the comments: mark_read commits, which would expire every loaded
        # comment and reload each one on its own while the template renders (N+1). A
        # refused comment shows the page again but writes nothing, not even "read".
        services.mark_read(conversation, current_user.id, last_read)
    # ?page=last: where the browser goes after placing a comment (see post_comment).
    wanted = None if request.args.get("page") == "last" else page_number()
    page = services.comments_page(conversation, page_no or wanted)
    # The names the page's mentions show (comment_markdown reads them from g).
    shown = [*page.comments, *(reply for replies in page.replies.values() for reply in replies)]
    g.mention_names = services.mentioned_names(g.partnership.id, (c.body for c in shown))
    context = {
        "table": table,
        "access": access,
        "conversation": conversation,
        "page": page,
        "last_read": last_read,
        "TAKE_PART": TABLE_TAKE_PART,
        "MANAGE": TABLE_MANAGE,
    }
    if more:
        # "Load more": only the next page of comments.
        return render_template("tables/_comments.html", **context)
    # Only the forms the page shows: those for closing and reopening are a manager's.
    manage = access >= TABLE_MANAGE
    closing = ConclusionForm(formdata=None) if manage and conversation.status == OPEN else None
    reopening = ReasonForm(formdata=None) if manage and conversation.status == CLOSED else None
    return render_template(
        "tables/conversation.html",
        form=form,
        reply_form=reply_form,
        conclusion_form=closing,
        reopen_form=reopening,
        events=services.events_of(conversation),
        may_make_agreement=can("agreement.edit"),
        **context,
    ), status


@bp.post("/<int:table_id>/conversations/<int:conversation_id>/comments")
@requires("table.view")
def post_comment(slug: str, table_id: int, conversation_id: int):
    table, access = _table(table_id, TABLE_TAKE_PART)
    conversation = _conversation(table, conversation_id)
    form = CommentForm()
    parent = form.parent_id.data or None
    if form.validate_on_submit():
        with service_errors(form):
            comment = services.post_comment(
                conversation, access, current_user.id, form.body.data,
                int(parent) if parent and is_id(parent) else (None if not parent else -1),
            )  # fmt: skip
            if request.htmx:
                db.session.refresh(conversation)
                return render_template(
                    "tables/_comment_posted.html", table=table, access=access,
                    conversation=conversation, comment=comment,
                    replies=[], last_read=comment.id,
                )  # fmt: skip
            flash(_("Your comment has been placed."), "success")
            # From the URL and the comment's key: the commit expired the loaded objects,
            # and reading them again would cost three queries. A new comment is the last
            # of the conversation: its page is the last, which the conversation page
            # counts anyway (counting here too would double the work in a long one).
            comment_id = inspect(comment).identity[0]
            page = _page_of(conversation_id, int(parent)) if parent and is_id(parent) else "last"
            return redirect(url_for("tables.conversation", slug=slug, table_id=table_id,
                                    conversation_id=conversation_id, page=page)
                            + f"#comment-{comment_id}")  # fmt: skip
    # A reply form exists on the page only for a top-level comment of this conversation;
    # any other parent (a reply, another conversation's comment) errs in the main form.
    reply_to = _reply_parent(conversation, parent)
    if request.htmx:
        # Put the form with its error back in place of the form that was sent.
        form_id = f"reply-form-{reply_to.id}" if reply_to else "comment-form"
        response = make_response(render_template(
            "tables/_comment_form.html", table=table, conversation=conversation, form=form,
            parent_id=reply_to.id if reply_to else None, oob=False,
        ), 422)  # fmt: skip
        response.headers["HX-Retarget"] = f"#{form_id}"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    if conversation.status != "open":
        # A closed conversation's page has no comment form to show the error in.
        for message in [*form.form_errors, *form.body.errors]:
            flash(message, "error")
    elif reply_to:
        return _show_conversation(table, access, conversation, CommentForm(formdata=None), 422,
                                  reply_form=(reply_to.id, form),
                                  page_no=_last_page(conversation, reply_to))  # fmt: skip
    return _show_conversation(table, access, conversation, form, 422)


def _reply_parent(conversation: Conversation, parent) -> Comment | None:
    if not parent or not is_id(parent):
        return None
    comment = db.session.get(Comment, int(parent))
    if comment is None or comment.conversation_id != conversation.id or comment.parent_id:
        return None
    return comment


def _last_page(conversation, comment) -> int:
    return _page_of(conversation.id, comment.parent_id or comment.id)


def _page_of(conversation_id: int, top_id: int) -> int:
    """The page of the conversation that shows the top-level comment top_id."""
    before = db.session.execute(
        db.select(db.func.count(Comment.id)).where(
            Comment.conversation_id == conversation_id, Comment.parent_id.is_(None),
            Comment.id <= top_id,
        )
    ).scalar_one()  # fmt: skip
    return max(1, -(-before // services.COMMENTS_PER_PAGE))


@bp.route(
    "/<int:table_id>/conversations/<int:conversation_id>/comments/<int:comment_id>/edit",
    methods=["GET", "POST"],
)
@requires("table.view")
def edit_comment(slug: str, table_id: int, conversation_id: int, comment_id: int):
    table, _access = _table(table_id, TABLE_TAKE_PART)
    conversation = _conversation(table, conversation_id)
    comment = _comment(conversation, comment_id)
    if comment.author_id != current_user.id:
        abort(403)
    form = EditCommentForm(obj=comment)
    if form.validate_on_submit():
        with service_errors(form):
            services.edit_comment(comment, current_user.id, form.body.data)
            flash(_("Your comment has been changed."), "success")
            return redirect(_conversation_url(conversation) + f"#comment-{comment.id}")
    return render_template(
        "tables/comment_edit.html", form=form, table=table, conversation=conversation,
        comment=comment, editable=services.may_edit(comment, current_user.id),
    ), form_status()  # fmt: skip


@bp.get("/<int:table_id>/conversations/<int:conversation_id>/comments/<int:comment_id>/history")
@requires("table.view")
def comment_history(slug: str, table_id: int, conversation_id: int, comment_id: int):
    table, _access = _table(table_id)
    conversation = _conversation(table, conversation_id)
    comment = _comment(conversation, comment_id)
    if comment.hidden_at is not None and g.table_access < TABLE_MANAGE:
        abort(404)
    return render_template(
        "tables/comment_history.html", table=table, conversation=conversation, comment=comment,
        revisions=services.revisions_of(comment),
    )  # fmt: skip


@bp.route(
    "/<int:table_id>/conversations/<int:conversation_id>/comments/<int:comment_id>/hide",
    methods=["GET", "POST"],
)
@requires("table.view")
def hide_comment(slug: str, table_id: int, conversation_id: int, comment_id: int):
    table, access = _table(table_id, TABLE_MANAGE)
    conversation = _conversation(table, conversation_id)
    comment = _comment(conversation, comment_id)
    form = ReasonForm()
    if form.validate_on_submit():
        with service_errors(form):
            services.hide_comment(comment, access, current_user.id, form.reason.data)
            flash(_("The comment has been hidden; its text is kept."), "success")
            return redirect(_conversation_url(conversation) + f"#comment-{comment.id}")
    return render_template(
        "tables/comment_hide.html", form=form, table=table, conversation=conversation,
        comment=comment,
    ), form_status()  # fmt: skip


@bp.post("/<int:table_id>/conversations/<int:conversation_id>/close")
@requires("table.view")
def close(slug: str, table_id: int, conversation_id: int):
    table, access = _table(table_id, TABLE_MANAGE)
    conversation = _conversation(table, conversation_id)
    form = ConclusionForm()
    if form.validate_on_submit():
        with service_errors():
            services.close_conversation(conversation, access, current_user.id, form.conclusion.data)
            flash(_("The conversation has been closed with a conclusion."), "success")
        return redirect(_conversation_url(conversation) + "#conclusion")
    return _conversation_with_forms(table, access, conversation, conclusion_form=form)


@bp.post("/<int:table_id>/conversations/<int:conversation_id>/reopen")
@requires("table.view")
def reopen(slug: str, table_id: int, conversation_id: int):
    table, access = _table(table_id, TABLE_MANAGE)
    conversation = _conversation(table, conversation_id)
    form = ReasonForm()
    if form.validate_on_submit():
        with service_errors():
            services.reopen_conversation(conversation, access, current_user.id, form.reason.data)
            flash(_("The conversation has been reopened."), "success")
        return redirect(_conversation_url(conversation))
    return _conversation_with_forms(table, access, conversation, reopen_form=form)


def _conversation_with_forms(table, access, conversation, **forms):
    page = services.comments_page(conversation, 1)
    context = {
        "table": table, "access": access, "conversation": conversation, "page": page,
        "last_read": services.last_read(conversation, current_user.id),
        "TAKE_PART": TABLE_TAKE_PART, "MANAGE": TABLE_MANAGE,
        "form": CommentForm(formdata=None), "reply_form": None,
        "conclusion_form": forms.get("conclusion_form") or ConclusionForm(formdata=None),
        "reopen_form": forms.get("reopen_form") or ReasonForm(formdata=None),
        "events": services.events_of(conversation), "may_make_agreement": can("agreement.edit"),
    }  # fmt: skip
    return render_template("tables/conversation.html", **context), 422


@bp.post("/<int:table_id>/conversations/<int:conversation_id>/agreement")
@requires("agreement.edit")
def conclusion_to_agreement(slug: str, table_id: int, conversation_id: int):
    table, _access = _table(table_id)
    conversation = _conversation(table, conversation_id)
    with service_errors():
        agreement = services.make_agreement_from_conclusion(conversation, current_user.id)
        flash(_("Draft agreement %(ref)s has been made from the conclusion.", ref=agreement.reference),
              "success")  # fmt: skip
        return redirect(url_for("agreements.show", slug=slug, number=agreement.number))
    return redirect(_conversation_url(conversation))


# --- meetings ---------------------------------------------------------------------------------


def _meeting_form(table, meeting=None, formdata=True):
    kwargs = {} if formdata else {"formdata": None}
    form = MeetingForm(obj=meeting, **kwargs)
    if meeting is not None and request.method == "GET":
        form.starts_at.data = local(meeting.starts_at).replace(tzinfo=None)
        form.ends_at.data = local(meeting.ends_at).replace(tzinfo=None)
    attendees = services.attendees_of(meeting) if meeting else []
    form.present.choices = select_choices((a.user_id, a.user.name) for a in attendees)
    if meeting is not None and request.method == "GET":
        form.present.data = [a.user_id for a in attendees if a.present]
    return form


@bp.route("/<int:table_id>/meetings/new", methods=["GET", "POST"])
@requires("table.view")
def new_meeting(slug: str, table_id: int):
    table, access = _table(table_id, TABLE_MANAGE)
    form = _meeting_form(table)
    if form.validate_on_submit():
        with service_errors(form):
            meeting = services.create_meeting(table, access, form.data, current_user.id)
            flash(_("The meeting has been planned."), "success")
            return redirect(url_for("tables.meeting", slug=slug, table_id=table.id,
                                    meeting_id=meeting.id))  # fmt: skip
    return render_template(
        "tables/meeting_form.html", form=form, table=table, meeting=None
    ), form_status()


@bp.get("/<int:table_id>/meetings/<int:meeting_id>")
@requires("table.view")
def meeting(slug: str, table_id: int, meeting_id: int):
    table, access = _table(table_id)
    meeting = _meeting(table, meeting_id)
    form = DecisionForm()
    _member_choices(form.owner_id)
    return render_template(
        "tables/meeting.html", table=table, access=access, meeting=meeting,
        attendees=services.attendees_of(meeting), decisions=services.decisions_of(meeting),
        decision_form=form, MANAGE=TABLE_MANAGE, may_make_agreement=can("agreement.edit"),
    )  # fmt: skip


@bp.route("/<int:table_id>/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@requires("table.view")
def edit_meeting(slug: str, table_id: int, meeting_id: int):
    table, access = _table(table_id, TABLE_MANAGE)
    meeting = _meeting(table, meeting_id)
    form = _meeting_form(table, meeting)
    if form.validate_on_submit():
        ensure_current(meeting, form, {"title": _("Title"), "minutes": _("Minutes")})
        with service_errors(form):
            services.update_meeting(meeting, access, form.data, set(form.present.data or []),
                                    current_user.id)  # fmt: skip
            flash(_("The meeting has been saved."), "success")
            return redirect(url_for("tables.meeting", slug=slug, table_id=table.id,
                                    meeting_id=meeting.id))  # fmt: skip
    return render_template(
        "tables/meeting_form.html", form=form, table=table, meeting=meeting
    ), form_status()


@bp.post("/<int:table_id>/meetings/<int:meeting_id>/decisions")
@requires("table.view")
def add_decision(slug: str, table_id: int, meeting_id: int):
    table, access = _table(table_id, TABLE_MANAGE)
    meeting = _meeting(table, meeting_id)
    form = DecisionForm()
    _member_choices(form.owner_id)
    if form.validate_on_submit():
        with service_errors(form):
            services.add_decision(meeting, access, form.text.data, form.owner_id.data,
                                  current_user.id)  # fmt: skip
            flash(_("The decision has been recorded."), "success")
            return redirect(url_for("tables.meeting", slug=slug, table_id=table.id,
                                    meeting_id=meeting.id) + "#decisions")  # fmt: skip
    return render_template(
        "tables/meeting.html", table=table, access=access, meeting=meeting,
        attendees=services.attendees_of(meeting), decisions=services.decisions_of(meeting),
        decision_form=form, MANAGE=TABLE_MANAGE, may_make_agreement=can("agreement.edit"),
    ), 422  # fmt: skip


@bp.post("/<int:table_id>/meetings/<int:meeting_id>/decisions/<int:decision_id>/agreement")
@requires("agreement.edit")
def decision_to_agreement(slug: str, table_id: int, meeting_id: int, decision_id: int):
    table, _access = _table(table_id)
    meeting = _meeting(table, meeting_id)
    decision = db.session.get(MeetingDecision, decision_id)
    if decision is None or decision.meeting_id != meeting.id:
        abort(404)
    with service_errors():
        agreement = services.make_agreement_from_decision(decision, meeting, current_user.id)
        flash(_("Draft agreement %(ref)s has been made from the decision.", ref=agreement.reference),
              "success")  # fmt: skip
        return redirect(url_for("agreements.show", slug=slug, number=agreement.number))
    return redirect(url_for("tables.meeting", slug=slug, table_id=table.id,
                            meeting_id=meeting.id))  # fmt: skip


@bp.get("/<int:table_id>/meetings/<int:meeting_id>.ics")
@requires("table.view")
def meeting_ics(slug: str, table_id: int, meeting_id: int):
    table, _access = _table(table_id)
    meeting = _meeting(table, meeting_id)
    url = base_url() + url_for("tables.meeting", slug=slug, table_id=table.id,
                               meeting_id=meeting.id)  # fmt: skip
    text = calendar([
        event(f"meeting-{meeting.id}@samenspel", f"{table.name}: {meeting.title}",
              meeting.starts_at, meeting.ends_at, meeting.place, meeting.agenda, url)
    ], name=table.name)  # fmt: skip
    return ics_response(text, f"bijeenkomst-{meeting.id}.ics")


@bp.get("/<int:table_id>/conversations/<int:conversation_id>/comments/<int:comment_id>")
@requires("table.view")
def comment_link(slug: str, table_id: int, conversation_id: int, comment_id: int):
    """A link to one comment: the page of the conversation it is on, at the comment."""
    table, _access = _table(table_id)
    conversation = _conversation(table, conversation_id)
    comment = _comment(conversation, comment_id)
    page = _last_page(conversation, comment)
    return redirect(_conversation_url(conversation, page=page) + f"#comment-{comment.id}")

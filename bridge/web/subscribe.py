"""Pages for students and parents: the subscribe page behind the private link, and the public
catalogue of network courses with their course feeds. Neither names a person: a private page
shows the schedule and the ways to subscribe; whoever has the link already has the calendar."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import segno
from flask import Blueprint, render_template
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bridge.calendar.feeds import FeedContext, upcoming
from bridge.calendar.tokens import (
    FEED_PATH,
    course_feed_url,
    private_feed_url,
    subscribe_links,
    subscribe_page_url,
)
from bridge.models import NetworkCourse
from bridge.web import db_session, public_url, runtime
from bridge.web.calendar_feeds import private_scope_or_404

bp = Blueprint("subscribe", __name__)

UPCOMING_DAYS = 28
WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


def qr_svg(text: str) -> Markup:
    """The link as a QR code, inline SVG: a phone's camera opens it."""
    return Markup(segno.make(text, error="m").svg_inline(scale=4, title="QR-код ссылки"))


@bp.get(FEED_PATH + "<token>")
def page(token: str):
    session = db_session()
    scope = private_scope_or_404(token)
    settings = runtime().settings
    ctx = FeedContext.from_settings(settings)
    page_url = subscribe_page_url(public_url(), token)
    entries = upcoming(session, scope, ctx, days=UPCOMING_DAYS)
    body = render_template("subscribe/page.html", title=scope.name, entries=entries, days=UPCOMING_DAYS,
                           links=subscribe_links(private_feed_url(public_url(), token)),
                           qr=qr_svg(page_url), weekdays=WEEKDAYS)
    return body, 200, {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


@bp.get("/catalogue")
def catalogue():
    """Every network course with its public calendar: open to everyone, no names of people."""
    settings = runtime().settings
    courses = db_session().scalars(select(NetworkCourse).options(
        selectinload(NetworkCourse.provider_school), selectinload(NetworkCourse.slots),
        selectinload(NetworkCourse.academic_year)).order_by(NetworkCourse.subject_area, NetworkCourse.title)).all()
    rows = [(c, subscribe_links(course_feed_url(public_url(), c.code))) for c in courses]
    return render_template("subscribe/catalogue.html", rows=rows, weekdays=WEEKDAYS,
                           today=dt.datetime.now(ZoneInfo(settings.district.timezone)).date())

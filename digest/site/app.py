"""The Starlette app of `digest serve`: the output folder (archive, index pages, feeds) as static files, each
digest's index page with its sign-up form made live (a fresh CSRF token per visit), and the endpoints:

    POST /subscribe              email (and digest, when there are several), csrf: sends one confirmation email
    GET  /confirm/TOKEN          a page with a button; POST confirms (mail scanners follow links, people click)
    GET  /unsubscribe/TOKEN      a page with a button; never unsubscribes on GET
    POST /unsubscribe/TOKEN      body List-Unsubscribe=One-Click (RFC 8058): unsubscribes at once, 200

The answer to a sign-up is the same for a new, pending or confirmed address, and the confirmation email goes
out after the answer (a background task), so neither the page nor its timing tells who is subscribed. Bodies
over `[site] max_body` get 413 before they are read; a forged or altered token gets 400 and changes nothing.

Every page and the confirmation email speak the locale of the digest they concern (digest.i18n's catalogs); a
page that concerns no digest (a form or link naming one this site does not have) speaks the first digest's.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jinja2
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from digest import i18n, publish
from digest.config import Config, DigestSettings, SiteSettings
from digest.render import PALETTE, templates_dir
from digest.site import CSRF_SLOT, limits, mail, subscribe
from digest.site.addresses import normalize
from digest.site.tokens import CSRF_MAX_AGE, BadToken, Signer
from digest.store import Store

log = logging.getLogger("digest.site")

CSRF_COOKIE = "digest_csrf"
ONE_CLICK = "One-Click"  # List-Unsubscribe=One-Click
_PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}  # pages whose URL or body is a secret

SendMail = Callable[[EmailMessage], object]


@dataclass
class _Site:
    """What the endpoints share."""

    config: Config
    settings: SiteSettings
    signer: Signer
    state: Store | None
    pages: Mapping[str, jinja2.Template]  # site.html.j2 in each digest's locale
    clients: limits.Window
    addresses: limits.Window
    send_mail: SendMail

    @property
    def store(self) -> Store:
        assert self.state is not None, "the state opens when the app starts"
        return self.state

    def digest(self, name: str | None) -> DigestSettings | None:
        """The digest a form or token names; the only one when the form names none."""
        if name is None and len(self.config.digests) == 1:
            return self.config.digest
        return next((d for d in self.config.digests if d.name == name), None)

    def index(self, digest: DigestSettings) -> str:
        return f"/archive/{digest.name}/index.html"

    def texts(self, digest: DigestSettings | None) -> i18n.Texts:
        """The words of the digest a page is about; the first digest's for a page about none."""
        return i18n.texts((digest or self.config.digest).locale)


def build(
    config: Config,
    *,
    environ: Mapping[str, str] = os.environ,
    send_mail: SendMail | None = None,
    templates: Path | None = None,
) -> Starlette:
    """The app for this config. With [site], its secret is read now: a missing one is a ConfigError before
    anything is served. Without [site], only the output folder is served."""
    folder = config.output.dir
    folder.mkdir(parents=True, exist_ok=True)  # before the first run there is nothing to serve, and no error
    routes: list[BaseRoute] = [Route("/", _home(config), methods=["GET", "HEAD"])]
    middleware: list[Middleware] = []
    site: _Site | None = None
    if config.site is not None:
        site = _site(config, config.site, environ, send_mail, templates)
        routes += _routes(site)
        too_large = site.texts(None).gettext("Request body too large")
        middleware.append(Middleware(BodyLimit, limit=config.site.max_body, message=too_large))
    routes.append(Mount("/", StaticFiles(directory=folder, html=True, check_dir=False)))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if site is not None:
            site.state = await run_in_threadpool(Store, config.state)
        try:
            yield
        finally:
            if site is not None and site.state is not None:
                site.state.close()

    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)


def _site(
    config: Config,
    settings: SiteSettings,
    environ: Mapping[str, str],
    send_mail: SendMail | None,
    templates: Path | None,
) -> _Site:
    folder = templates or templates_dir()
    return _Site(
        config=config,
        settings=settings,
        signer=Signer.of(settings, environ),
        state=None,
        pages={d.locale: _template(folder, i18n.texts(d.locale)) for d in config.digests},
        clients=limits.Window(settings.client_limit, limits.CLIENT_WINDOW),
        addresses=limits.Window(settings.address_limit, limits.ADDRESS_WINDOW),
        send_mail=send_mail or (lambda message: mail.send(config.email, message)),
    )


def _template(folder: Path, texts: i18n.Texts) -> jinja2.Template:
    """site.html.j2 with `texts`' gettext (newstyle, as digest/render.py installs it for the email)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(texts.translations, newstyle=True)  # type: ignore[attr-defined]
    return env.get_template("site.html.j2")


def _routes(site: _Site) -> list[BaseRoute]:
    return [
        Route("/archive/{digest}/", _index(site), methods=["GET", "HEAD"]),
        Route("/archive/{digest}/index.html", _index(site), methods=["GET", "HEAD"]),
        Route("/subscribe", _subscribe(site), methods=["POST"]),
        Route("/confirm/{token}", _confirm(site), methods=["GET", "HEAD", "POST"]),
        Route("/unsubscribe/{token}", _unsubscribe(site), methods=["GET", "HEAD", "POST"]),
    ]


Endpoint = Callable[[Request], Any]


def _home(config: Config) -> Endpoint:
    async def home(request: Request) -> Response:
        if (config.output.dir / "index.html").is_file():
            return RedirectResponse("/index.html", status_code=302)
        return RedirectResponse(f"/archive/{config.digest.name}/index.html", status_code=302)

    return home


def _index(site: _Site) -> Endpoint:
    """The index page as publish wrote it, its form given a fresh CSRF token (and the cookie it pairs with)."""

    async def index(request: Request) -> Response:
        digest = site.digest(request.path_params["digest"])
        path = site.config.output.dir / "archive" / digest.name / "index.html" if digest else None
        if path is None or not path.is_file():
            return PlainTextResponse(site.texts(digest).gettext("Not Found"), status_code=404)
        nonce, token = site.signer.csrf()
        html = path.read_text(encoding="utf-8").replace(CSRF_SLOT, token)
        response = HTMLResponse(html, headers={"Cache-Control": "no-store"})
        secure = site.config.output.base_url.startswith("https://")
        response.set_cookie(
            CSRF_COOKIE, nonce, max_age=CSRF_MAX_AGE, httponly=True, samesite="strict", secure=secure, path="/"
        )
        return response

    return index


def _subscribe(site: _Site) -> Endpoint:
    async def subscribe_endpoint(request: Request) -> Response:
        form = _fields(await request.body())
        digest = site.digest(form.get("digest"))
        t = site.texts(digest)
        if digest is None:
            lines = [t.gettext("The form names a digest this site does not have.")]
            return _page(site, t, 400, t.gettext("No such digest"), lines)
        back = site.index(digest)
        if not site.signer.check_csrf(form.get("csrf", ""), request.cookies.get(CSRF_COOKIE, "")):
            lines = [t.gettext("This form has expired. Reload the page and sign up again.")]
            return _page(site, t, 403, t.gettext("Please try again"), lines, back)
        client = request.client.host if request.client else "unknown"
        if not site.clients.allow(client):
            lines = [t.gettext("Too many sign-ups from your network in the last hour. Please try again later.")]
            wait = {"Retry-After": str(int(limits.CLIENT_WINDOW))}
            return _page(site, t, 429, t.gettext("Please wait"), lines, back, headers=wait)
        address = normalize(form.get("email", ""))
        if address is None:
            lines = [t.gettext("Go back and check the address.")]
            return _page(site, t, 400, t.gettext("That is not an email address"), lines, back)
        hours = site.settings.confirm_hours
        lines = [
            t.gettext("If %(address)s can get %(title)s, an email with a link to confirm is on its way.")
            % {"address": address, "title": digest.title},
            # Translators: %(hours)s is a span of hours as your language writes it ("48 Stunden").
            t.gettext("The link works for %(hours)s. Nothing else is sent until you follow it.")
            % {"hours": t.hours(hours)},
        ]
        answer = _page(site, t, 200, t.gettext("Check your inbox"), lines, back)
        if site.addresses.allow(f"{digest.name}\n{address}"):  # over the limit: the same answer, no email
            token = await run_in_threadpool(subscribe.sign_up, site.store, site.signer, digest.name, address)
            if token is not None:
                link = _absolute(site, f"confirm/{token}")
                message = mail.confirmation(site.config.email, digest.title, address, link, hours, t)
                answer.background = BackgroundTask(site.send_mail, message)  # a sync call: in a thread
        return answer

    return subscribe_endpoint


def _confirm(site: _Site) -> Endpoint:
    async def confirm(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            name, address = site.signer.check_confirm(token)
        except BadToken:
            t = site.texts(None)
            return _bad_link(
                site, t, t.gettext("This confirmation link is not valid or has expired. Please sign up again.")
            )
        digest = site.digest(name)
        t = site.texts(digest)
        if digest is None:
            return _bad_link(site, t, t.gettext("This digest is no longer published here."))
        named = {"address": address, "title": digest.title}
        if request.method != "POST":
            form = {"action": f"/confirm/{token}", "fields": {}, "button": t.gettext("Confirm my subscription")}
            lines = [t.gettext("Confirm that %(address)s should get %(title)s.") % named]
            heading = t.gettext("Confirm your subscription")
            return _page(site, t, 200, heading, lines, site.index(digest), form=form)
        await run_in_threadpool(subscribe.confirm, site.store, site.signer, token)
        lines = [
            t.gettext("%(address)s will get the next issue of %(title)s.") % named,
            t.gettext("Every issue has a link to unsubscribe."),
        ]
        return _page(site, t, 200, t.gettext("You are subscribed"), lines, site.index(digest))

    return confirm


def _unsubscribe(site: _Site) -> Endpoint:
    async def unsubscribe_endpoint(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            name, address = site.signer.check_unsubscribe(token)
        except BadToken:
            t = site.texts(None)
            line = t.gettext("This unsubscribe link is not valid. Use the link in the email you received.")
            return _bad_link(site, t, line)
        digest = site.digest(name)
        t = site.texts(digest)
        named = {"address": address, "title": digest.title if digest else name}
        if request.method != "POST":
            form = {
                "action": f"/unsubscribe/{token}",
                "fields": {"List-Unsubscribe": ONE_CLICK},
                "button": t.gettext("Unsubscribe"),
            }
            lines = [t.gettext("Stop sending %(title)s to %(address)s?") % named]
            return _page(site, t, 200, t.gettext("Unsubscribe"), lines, form=form)
        body = await request.body()
        if not _one_click(body, request.headers.get("content-type", "")):
            # Translators: the answer to mail software that sent no one-click body; keep List-Unsubscribe=One-Click.
            lines = [t.gettext("Send List-Unsubscribe=One-Click to unsubscribe.")]
            return _page(site, t, 400, t.gettext("Unsubscribe"), lines)
        await run_in_threadpool(subscribe.unsubscribe, site.store, site.signer, token)
        log.info("one reader unsubscribed from %s", name)  # the address stays out of the log
        lines = [t.gettext("%(address)s will get no more issues of %(title)s.") % named]
        return _page(site, t, 200, t.gettext("You are unsubscribed"), lines)

    return unsubscribe_endpoint


def _bad_link(site: _Site, t: i18n.Texts, line: str) -> Response:
    return _page(site, t, 400, t.gettext("This link does not work"), [line])


def _page(
    site: _Site,
    t: i18n.Texts,
    status: int,
    heading: str,
    lines: Sequence[str],
    index: str | None = None,
    *,
    form: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    title = site.config.digest.title if len(site.config.digests) == 1 else "digest"
    page = site.pages[t.locale]
    html = page.render(heading=heading, lines=lines, title=title, form=form, index=index, lang=t.language, c=PALETTE)
    return HTMLResponse(html, status_code=status, headers={**_PRIVATE, **(headers or {})})


def _absolute(site: _Site, relative: str) -> str:
    return publish.Site(site.config.output.dir, site.config.output.base_url, "", "", "").url(relative)


def _fields(body: bytes) -> dict[str, str]:
    """The first value of each field of a urlencoded form (a form of ours has a few short fields); a body with
    more fields than any of ours is no form of ours: no fields, so its checks fail as for an empty one."""
    try:
        parsed = parse_qs(body.decode("utf-8", "replace"), max_num_fields=20)
    except ValueError:
        return {}
    return {name: values[0] for name, values in parsed.items()}


def _one_click(body: bytes, content_type: str) -> bool:
    """RFC 8058's POST body: List-Unsubscribe=One-Click, urlencoded (Gmail, our button) or multipart/form-data."""
    if content_type.startswith("multipart/form-data"):
        return b'name="List-Unsubscribe"' in body and ONE_CLICK.encode() in body
    return _fields(body).get("List-Unsubscribe") == ONE_CLICK


class BodyLimit:
    """413 for a request body over `limit` bytes: by its Content-Length before reading, or as it streams in;
    `message` says so (in the first digest's words: the body is refused before anyone reads what it is for)."""

    def __init__(self, app: ASGIApp, limit: int, message: str) -> None:
        self.app, self.limit, self.message = app, limit, message

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await PlainTextResponse(self.message, status_code=413)(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(413, self.message)
            return message

        await self.app(scope, limited, send)

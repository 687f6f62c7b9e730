"""The what-if page's web application (Starlette): the page, its script and style, and the
JSON API the page uses and others can too.

``GET /``                     the page (``?lang=cy`` for Welsh)
``GET /static/NAME``          the page's script and style, served by the package (no CDN)
``GET /api/scenario``         the levers and their current values (``--set`` keys and values)
``POST /api/evaluate``        ``{"set": {KEY: VALUE}, "replications": N, "seed": S}`` -> figures
``POST /api/variant``         save the changes as a scenario file next to the scenario
                              (``"download": true``: answer with the file instead)
``POST /api/boardpack``       ``migrasim run --set ...`` into a results folder; links to its
                              report.html and summary.xlsx
``GET /api/boardpack/P/NAME`` one of those two files

Bad changes answer 422 with the command line's messages (the ``ScenarioError`` text), in the
request's language (``lang`` in the body or the query, else the server's ``--lang``). With a
token (the server bound beyond this machine), every request must carry it: the header
``Authorization: Bearer TOKEN`` or ``X-Migrasim-Token``, or the query ``token=``; none is 401,
a wrong one 403 (compared in constant time).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from migrasim.errors import N_, MigrasimError, OutputError, ScenarioError
from migrasim.render.i18n import Translator, UnknownLanguageError, available_languages, translator
from migrasim.serve.evaluator import ServerBusyError
from migrasim.serve.levers import lever_labels, value_text
from migrasim.serve.session import BOARD_PACK_FILES, Session
from migrasim.serve.view import answer

STATIC = Path(__file__).with_name("static")
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
TOKEN_HEADER = "x-migrasim-token"
MAX_BODY_BYTES = 1_000_000


class TokenGuard:
    """ASGI middleware: every HTTP request carries ``token`` (header or query), else 401/403."""

    def __init__(self, app: ASGIApp, token: str, lang: str = "en") -> None:
        self.app = app
        self.token = token.encode()
        self.lang = lang

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            given = request.headers.get(TOKEN_HEADER) or request.query_params.get("token")
            auth = request.headers.get("authorization", "")
            if not given and auth.lower().startswith("bearer "):
                given = auth[7:].strip()
            t = _asked(request, None, self.lang)
            if not given:
                error = t.message(N_("this server needs its access token"))
                response = JSONResponse({"error": error}, 401)
                await response(scope, receive, send)
                return
            if not hmac.compare_digest(given.encode(), self.token):
                response = JSONResponse({"error": t.message(N_("wrong access token"))}, 403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _environment(t: Translator) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("migrasim.serve", "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(t.translations, newstyle=True)  # type: ignore[attr-defined]
    return env


class BadRequestError(ValueError):
    """A request body the API cannot use (422, with this message: a catalogue message)."""


def _asked(request: Request, body: Mapping[str, Any] | None, default: str) -> Translator:
    """The request's language: ``lang`` in the body or the query, else ``default``; an unknown
    one is the default's (its error is said in the default language)."""
    try:
        return translator(
            str((body or {}).get("lang") or request.query_params.get("lang") or default)
        )
    except UnknownLanguageError:
        return translator(default)


def _changes(body: Mapping[str, Any]) -> dict[str, str]:
    changes = body.get("set", {})
    if not isinstance(changes, dict):
        raise BadRequestError(N_('"set" must be an object of --set keys and values'))
    out: dict[str, str] = {}
    for key, value in changes.items():
        text = value_text(value)
        if text == "":
            raise BadRequestError(
                N_('"set": %(key)s has no value. Fix: give a value or leave it out', key=key)
            )
        out[str(key)] = text
    return out


def _whole(body: Mapping[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequestError(
            N_('"%(name)s" must be a whole number, got %(value)s', name=name, value=repr(value))
        )
    return value


async def _body(request: Request) -> dict[str, Any]:
    # JSON only: a form or text/plain POST from another site's page (which a browser sends
    # without asking) is refused, so no web page can save variants or run packs here.
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise BadRequestError(
            N_("send the body as application/json, not %(kind)s", kind=repr(kind))
            if kind
            else N_("send the body as application/json, not nothing")
        )
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequestError(N_("the request body is over %(n)s bytes", n=f"{MAX_BODY_BYTES:,}"))
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequestError(N_("the body is not JSON: %(error)s", error=str(exc))) from None
    except RecursionError:
        raise BadRequestError(N_("the body is nested too deeply")) from None
    if not isinstance(body, dict):
        raise BadRequestError(N_("the body must be a JSON object"))
    try:  # a lone surrogate ("\\ud800") is valid JSON but no text: refuse it here
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequestError(
            N_("the body holds a lone surrogate (\\ud800-\\udfff), not text")
        ) from None
    except RecursionError:
        raise BadRequestError(N_("the body is nested too deeply")) from None
    return body


Endpoint = Callable[[Request], Awaitable[Response]]


def _errors_as_json(endpoint: Endpoint, lang: str) -> Endpoint:
    """Bad input -> 422 with the message (a scenario's: the command line's exit-2 text), in
    the request's language (``lang`` when it asks for none)."""

    async def wrapper(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Exception as exc:  # only the kinds _error_answer knows are answered
            t = getattr(request.state, "translator", None) or _asked(request, None, lang)
            answer = _error_answer(exc, t)
            if answer is None:
                raise
            return answer

    return wrapper


def _error_answer(exc: Exception, t: Translator) -> Response | None:
    """The JSON answer to ``exc`` in ``t``'s language, or None for an error not answered so."""

    def text(value: object) -> str:
        return t.message(value)

    if isinstance(exc, ScenarioError):
        problems = [
            {"key_path": text(p.key_path), "problem": text(p.problem), "fix": text(p.fix)}
            for p in exc.problems
        ]
        return JSONResponse({"error": exc.translated(t.gettext), "problems": problems}, 422)
    if isinstance(exc, ServerBusyError):  # never a wait without end: try again later
        headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse({"error": exc.translated(t.gettext)}, 503, headers=headers)
    if isinstance(exc, OutputError):
        return JSONResponse({"error": exc.translated(t.gettext)}, 409)
    if isinstance(exc, (BadRequestError, ValueError)):
        message = exc.translated(t.gettext) if isinstance(exc, MigrasimError) else None
        if message is None:
            message = text(exc.args[0]) if len(exc.args) == 1 else str(exc)
        return JSONResponse({"error": message}, 422)
    return None


def create_app(
    session: Session,
    lang: str = "en",
    token: str | None = None,
    hosts: Sequence[str] | None = None,
) -> ASGIApp:
    """The web application for ``session``; its page in ``lang`` unless a request asks for
    another (``?lang=``); every request needs ``token`` when one is given. ``hosts``: the only
    Host headers answered (the command line gives the loopback names when it binds 127.0.0.1,
    so a page from elsewhere cannot reach the server by DNS rebinding)."""
    translator(lang)  # an unknown language fails now, not on the first request
    api = _Endpoints(session, lang, token)
    routes = [
        Route("/", _errors_as_json(api.page, lang)),
        Route("/static/{name}", api.static),
        Route("/api/scenario", api.scenario),
        Route("/api/evaluate", _errors_as_json(api.evaluate, lang), methods=["POST"]),
        Route("/api/variant", _errors_as_json(api.variant, lang), methods=["POST"]),
        Route("/api/boardpack", _errors_as_json(api.board_pack, lang), methods=["POST"]),
        Route("/api/boardpack/{pack}/{name}", api.pack_file),
    ]
    middleware = [] if hosts is None else [Middleware(TrustedHostMiddleware, allowed_hosts=hosts)]
    app: ASGIApp = Starlette(routes=routes, middleware=middleware)
    if token:
        app = TokenGuard(app, token, lang)
    return app


class _Endpoints:
    """The application's endpoints over one session: the page (its template environment per
    language), its static files, and the API (the board packs made so far, by folder name)."""

    def __init__(self, session: Session, lang: str, token: str | None) -> None:
        self.session, self.lang, self.token = session, lang, token
        self.environments: dict[str, jinja2.Environment] = {}
        self.packs: dict[str, Path] = {}

    def language(self, request: Request, body: Mapping[str, Any] | None = None) -> Translator:
        asked = (body or {}).get("lang") or request.query_params.get("lang") or self.lang
        try:
            t = translator(str(asked))
        except UnknownLanguageError as exc:
            raise BadRequestError(exc.args[0]) from None
        request.state.translator = t  # errors from here on are said in it
        return t

    async def page(self, request: Request) -> Response:
        t = self.language(request)
        environments = self.environments
        if t.lang not in environments:
            environments[t.lang] = _environment(t)
        html = (
            environments[t.lang]
            .get_template("page.html.j2")
            .render(
                lang=t.lang,
                languages=available_languages(),
                title=self.session.spec.name,
                scenario=str(self.session.path),
                token=self.token or "",
                lever_labels=lever_labels(t),
            )
        )
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        path = STATIC / name
        if "/" in name or path.suffix not in STATIC_TYPES or not path.is_file():
            error = N_("no file %(name)s", name=repr(name))
            return JSONResponse({"error": _asked(request, None, self.lang).message(error)}, 404)
        return FileResponse(path, media_type=STATIC_TYPES[path.suffix])

    async def scenario(self, _request: Request) -> Response:
        session = self.session
        spec = session.spec
        return JSONResponse(
            {
                "name": spec.name,
                "path": str(session.path),
                "go_live": None if spec.go_live is None else spec.go_live.isoformat(),
                "replications": session.replications or spec.replications,
                "seed": session.seed,
                "levers": [lever.as_json() for lever in session.levers],
            }
        )

    async def evaluate(self, request: Request) -> Response:
        session = self.session
        body = await _body(request)
        t = self.language(request, body)
        changes = _changes(body)
        n, seed = _whole(body, "replications"), _whole(body, "seed")
        report = await run_in_threadpool(session.evaluate, changes, n, seed)
        _, used_seed = session.defaults(n, seed)
        return JSONResponse(answer(report, changes, used_seed, t))

    async def variant(self, request: Request) -> Response:
        session = self.session
        body = await _body(request)
        t = self.language(request, body)
        changes = _changes(body)
        if body.get("download"):
            text = await run_in_threadpool(session.variant_text, changes, t.message)
            filename = f"{session.path.stem}.variant.yaml"
            return Response(
                text,
                media_type="application/yaml; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
        name = body.get("name")
        if name is not None and not isinstance(name, str):
            raise BadRequestError(N_('"name" must be text'))
        saved = await run_in_threadpool(session.save_variant, changes, name or None, t.message)
        return JSONResponse({"file": str(saved)})

    async def board_pack(self, request: Request) -> Response:
        token = self.token
        body = await _body(request)
        t = self.language(request, body)
        changes = _changes(body)
        n, seed = _whole(body, "replications"), _whole(body, "seed")
        out = await run_in_threadpool(self.session.board_pack, changes, n, seed, t.lang)
        self.packs[out.name] = out
        suffix = f"?token={token}" if token else ""
        files = {f: f"/api/boardpack/{out.name}/{f}{suffix}" for f in BOARD_PACK_FILES}
        return JSONResponse({"folder": str(out), "files": files})

    async def pack_file(self, request: Request) -> Response:
        packs = self.packs
        pack, name = request.path_params["pack"], request.path_params["name"]
        if pack not in packs or name not in BOARD_PACK_FILES:
            error = N_("no board pack file %(pack)s/%(name)s", pack=pack, name=name)
            return JSONResponse({"error": _asked(request, None, self.lang).message(error)}, 404)
        return FileResponse(packs[pack] / name, filename=name)


LOOPBACK = ("127.0.0.1", "localhost", "::1")
"""The names of this machine: binding one of them needs no token, and the server then answers
only requests whose Host header names one of them."""


def needs_token(host: str) -> bool:
    """Whether binding ``host`` reaches beyond this machine (so requests need a token)."""
    return host not in LOOPBACK


def serve_forever(app: ASGIApp, host: str, port: int) -> None:
    """Run ``app`` with uvicorn until interrupted."""
    import uvicorn

    # On SIGTERM (or Ctrl+C) uvicorn stops accepting and gives running requests a few
    # seconds, then the caller closes the evaluator, which ends any evaluation still running.
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=3)

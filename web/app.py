"""The aiohttp application: its routes, middlewares and pages. The handlers live by subject in
actions, field, exports, people, sessions and invites; each parses, authorises, calls one
command or query, and renders."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path

from aiohttp import web

from web import (
    actions,
    exports,
    field,
    fund,
    fund_arrears,
    fund_budget,
    fund_ledger,
    fund_links,
    invites,
    metrics,
    notices,
    organisation,
    passwords,
    people,
    planning,
    sessions,
    sms,
    votes,
)
from web.context import SERVICES, services
from web.openapi import openapi_document
from web.problems import MAX_BODY, Handler, problems_middleware, route_pattern
from web.security import auth_middleware, credentials, gateway_url, security_headers
from web.services import Services
from web.sms_push import push_replies

log = logging.getLogger("posko.web")

STATIC = Path(__file__).parent / "static"
UUID_PATH = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def create_app(services: Services) -> web.Application:
    app = web.Application(
        client_max_size=MAX_BODY,
        middlewares=[log_middleware, problems_middleware, auth_middleware, compression_middleware],
    )
    app[SERVICES] = services
    app.on_response_prepare.append(security_headers)
    app.on_response_prepare.append(static_caching)
    app.on_startup.append(_warm_up)
    app.on_cleanup.append(_close_shared_counts)
    app.cleanup_ctx.append(push_replies)  # only when POSKO_SMS_PUSH_URL is set
    app.add_routes(
        [
            web.get("/healthz", healthz),
            web.get("/metrics", metrics.metrics),
            web.get("/api/openapi.json", openapi),
            web.get("/api/config", config),
            # sign-in and sessions
            web.post("/api/session", sessions.sign_in),
            web.get("/api/session", sessions.who_am_i),
            web.delete("/api/session", sessions.sign_out),
            web.delete("/api/sessions/{session_id}", sessions.end_session),
            # the organisation and its people
            web.post("/api/affiliates", people.register_affiliate),
            web.get("/api/affiliates", people.list_affiliates),
            web.post("/api/affiliates/{id}/branches", people.add_branch),
            web.put("/api/affiliates/{id}", organisation.rename_affiliate),
            web.put("/api/affiliates/{id}/branches/{branch_id}", organisation.rename_branch),
            web.post("/api/people", people.register_person),
            web.get("/api/people", people.list_people),
            web.get("/api/people/{id}", people.get_person),
            web.put("/api/people/{id}", people.edit_person),
            web.put("/api/people/{id}/password", people.set_password),
            web.post("/api/people/{id}/roles", people.grant_role),
            web.delete("/api/people/{id}/roles", people.revoke_role),
            web.post("/api/people/{id}/deactivate", people.deactivate_person),
            web.post("/api/people/{id}/reactivate", people.reactivate_person),
            web.get("/api/people/{id}/sessions", sessions.list_person_sessions),
            # actions, the field, the map
            web.get("/api/actions", actions.list_actions),
            web.post("/api/actions", actions.plan_action),
            web.get("/api/actions/{id}", actions.get_action),
            web.post("/api/actions/{id}/sites", actions.add_site),
            web.post("/api/actions/{id}/status", actions.change_status),
            web.post("/api/actions/{id}/reports", actions.file_report),
            web.get("/api/actions/{id}/map", actions.get_map),
            web.get("/api/actions/{id}/checkins", actions.list_checkins),
            web.get("/api/actions/{id}/feed", actions.get_feed),
            web.get("/api/actions/{id}/legal", actions.get_legal),
            web.get("/api/actions/{id}/nearest-site", field.nearest_site),
            web.post("/api/actions/{id}/targets", field.set_target),
            # planning: the plan, sites, lobi and politik, the korlap roster, the report
            web.put("/api/actions/{id}", planning.edit_action),
            # a site's id is a UUID: /sites/import is another resource
            web.put(f"/api/actions/{{id}}/sites/{{site_id:{UUID_PATH}}}", planning.adjust_site),
            web.post("/api/actions/{id}/sites/import/preview", planning.preview_import),
            web.post("/api/actions/{id}/sites/import", planning.import_sites),
            web.post("/api/actions/{id}/lobbying", planning.record_lobby),
            web.post("/api/actions/{id}/outcomes", planning.record_outcome),
            web.get("/api/actions/{id}/roster", planning.roster),
            web.post("/api/actions/{id}/roster/invites", planning.create_roster_invites),
            web.get("/api/actions/{id}/report", planning.action_report),
            web.get("/api/actions/{id}/report.html", planning.report_page),
            web.get("/api/actions/{id}/report.pdf", planning.report_pdf),
            # incidents and requests for help, and their handling in the posko
            web.post("/api/actions/{id}/incidents", field.report_incident),
            web.post("/api/incidents/{id}/acknowledge", field.acknowledge_incident),
            web.post("/api/incidents/{id}/resolve", field.resolve_incident),
            web.post("/api/incidents/{id}/reopen", field.reopen_incident),
            web.post("/api/actions/{id}/requests", field.request_help),
            web.post("/api/requests/{id}/commit", field.commit_help),
            web.post("/api/requests/{id}/fulfil", field.fulfil_help),
            web.post("/api/requests/{id}/cancel", field.cancel_help),
            # exports
            web.get("/api/actions/{id}/export/reports.csv", exports.reports_csv),
            web.get("/api/actions/{id}/export/incidents.csv", exports.incidents_csv),
            web.get("/api/actions/{id}/export/requests.csv", exports.requests_csv),
            web.get("/api/actions/{id}/sites.geojson", exports.sites_geojson),
            # invites for korlaps
            web.post("/api/actions/{id}/invites", invites.create_invite),
            web.get("/api/actions/{id}/invites", invites.list_invites),
            web.post("/api/invites/{invite_id}/revoke", invites.revoke_invite),
            web.post("/api/invites/redeem", invites.redeem_invite),
            # legal notices and the evidence log
            web.get("/api/legal-rules", notices.legal_rules),
            web.post("/api/actions/{id}/attachments", notices.upload_attachment),
            web.get("/api/attachments/{id}", notices.get_attachment),
            web.post("/api/actions/{id}/notices", notices.draft_notice),
            web.get("/api/actions/{id}/notices", notices.list_notices),
            web.get("/api/notices/{id}", notices.get_notice),
            web.put("/api/notices/{id}", notices.edit_notice),
            web.get("/api/notices/{id}/html", notices.notice_html),
            web.get("/api/notices/{id}/pdf", notices.notice_pdf),
            web.post("/api/notices/{id}/negotiations", notices.attach_negotiation),
            web.post("/api/notices/{id}/ready", notices.mark_ready),
            web.post("/api/notices/{id}/sent", notices.mark_sent),
            web.post("/api/notices/{id}/receipts", notices.record_receipt),
            web.post("/api/notices/{id}/withdraw", notices.withdraw_notice),
            web.post("/api/notices/{id}/cancel", notices.cancel_notice),
            web.post("/api/actions/{id}/evidence", notices.record_evidence),
            web.get("/api/actions/{id}/evidence", notices.get_evidence),
            web.get("/api/actions/{id}/evidence/bundle.zip", notices.evidence_bundle_zip),
            # reports by SMS: the gateway's webhook and poll (signed), codes, the inbox
            web.post("/api/sms/inbound", sms.inbound),
            web.get("/api/sms/outbound", sms.outbound),
            web.get("/api/actions/{id}/sms", sms.action_sms),
            web.get("/api/actions/{id}/sms/inbox", sms.inbox),
            web.post("/api/actions/{id}/sms/inbox/{message_id}/report", sms.transcribe),
            # strike votes (ballot routes are never logged: QUIET_ROUTES)
            web.post("/api/votes", votes.call_vote),
            web.get("/api/votes", votes.list_votes),
            web.get("/api/votes/{id}", votes.get_vote),
            web.post("/api/votes/{id}/open", votes.open_vote),
            web.post("/api/votes/{id}/close", votes.close_vote),
            web.get("/api/votes/{id}/roll", votes.get_roll),
            web.get("/api/votes/{id}/roll/me", votes.my_roll_entry),
            web.post("/api/votes/{id}/ballots", votes.cast_ballot),
            web.post("/api/votes/{id}/links", votes.issue_link),
            web.post("/api/votes/{id}/link", votes.link_vote),
            web.post("/api/votes/{id}/link/ballots", votes.link_ballot),
            # solidarity funds
            web.post("/api/funds", fund.open_fund),
            web.get("/api/funds", fund.list_funds),
            web.get("/api/funds/{id}", fund.get_fund),
            web.post("/api/funds/{id}/accounts", fund.open_account),
            web.put("/api/funds/{id}/dues-rule", fund.set_dues_rule),
            web.post("/api/funds/{id}/memberships", fund_arrears.declare_membership),
            web.get("/api/funds/{id}/arrears", fund_arrears.arrears),
            web.post("/api/funds/{id}/contributions", fund.record_contribution),
            web.post("/api/funds/{id}/dues", fund.record_dues),
            web.post("/api/funds/{id}/entries", fund.post_entry),
            web.post("/api/funds/{id}/entries/{entry_id}/reverse", fund.reverse_entry),
            web.get("/api/funds/{id}/ledger", fund_ledger.ledger_entries),
            web.get("/api/funds/{id}/balances", fund.balances),
            web.get("/api/funds/{id}/receipts", fund.list_receipts),
            web.get("/api/funds/{id}/receipts/{number}", fund.get_receipt),
            web.post("/api/funds/{id}/receipts/{number}/void", fund.void_receipt),
            web.post("/api/funds/{id}/disbursements", fund.request_disbursement),
            web.get("/api/funds/{id}/disbursements", fund.list_disbursements),
            web.post(
                "/api/funds/{id}/disbursements/{disbursement_id}/approve",
                fund.approve_disbursement,
            ),
            web.post(
                "/api/funds/{id}/disbursements/{disbursement_id}/reject", fund.reject_disbursement
            ),
            web.post(
                "/api/funds/{id}/disbursements/{disbursement_id}/amount",
                fund.change_disbursement_amount,
            ),
            web.post("/api/funds/{id}/disbursements/{disbursement_id}/pay", fund.pay_disbursement),
            web.post(
                "/api/funds/{id}/disbursements/{disbursement_id}/expire", fund.expire_disbursement
            ),
            web.post("/api/funds/{id}/periods/{period}/close", fund.close_period),
            web.post("/api/funds/{id}/periods/{period}/sign", fund.sign_checkpoint),
            web.get("/api/funds/{id}/periods/{period}/report", fund.period_report),
            web.get("/api/funds/{id}/verify", fund.verify),
            web.post("/api/funds/{id}/verify", fund.verify),
            web.get("/api/funds/{id}/export/entries.csv", fund.entries_csv),
            web.get("/api/funds/{id}/export/events.json", fund.events_json),
            # funds linked to actions (web/fund_links.py)
            web.post("/api/funds/{id}/links", fund_links.link),
            web.get("/api/funds/{id}/links", fund_links.fund_actions),
            web.delete("/api/funds/{id}/links/{action_id}", fund_links.unlink),
            web.get("/api/actions/{id}/funds", fund_links.action_funds),
            web.get("/api/funds/{id}/export/arrears.csv", fund_arrears.arrears_csv),
            web.post("/api/funds/{id}/budgets/{year}", fund_budget.set_budget),
            web.get("/api/funds/{id}/budgets/{year}", fund_budget.get_budget),
            web.get("/api/funds/{id}/export/budget.csv", fund_budget.budget_csv),
            # pages
            web.get("/", page("index.html")),
            web.get("/masuk", page("masuk.html")),
            web.get("/login", page("masuk.html")),
            web.get("/admin", page("admin.html")),
            web.get("/i/{code}", page("invite.html")),
            web.get("/lapor", page("lapor.html")),  # the korlap's phone: report from the field
            web.get("/surat", page("surat.html")),  # an action's legal notices, for officers
            web.get("/rencana", page("rencana.html")),  # plan actions: the coordinator's desk
            web.get("/pilih", page("pilih.html")),  # a member's phone: vote in a strike vote
            web.get("/kas", page("kas.html")),  # the treasurer's pages: the solidarity fund
            web.get("/kas/kuitansi", page("kuitansi.html")),  # a receipt, to print
            web.get("/sw.js", service_worker),  # from the root, so its scope can be /lapor
            web.get("/favicon.ico", page("favicon.ico")),  # every browser asks for it
            web.static("/static", STATIC),
        ]
    )
    return app


# HTML (and the field page's service worker), not API: not in OpenAPI
PAGES = (
    "/",
    "/masuk",
    "/login",
    "/admin",
    "/i/{code}",
    "/lapor",
    "/sw.js",
    "/surat",
    "/rencana",
    "/pilih",
    "/favicon.ico",
    "/kas",
    "/kas/kuitansi",
)
# Requests whose mere time could be matched with a voter: not logged at all (not even the route).
QUIET_ROUTES = frozenset(
    {
        "/api/votes/{id}/ballots",
        "/api/votes/{id}/link",
        "/api/votes/{id}/link/ballots",
        "/api/votes/{id}/roll/me",
        "/pilih",
    }
)
# The field page's app shell, which its service worker keeps for opening with no signal.
FIELD_SHELL = {
    "/lapor": "lapor.html",
    "/static/lapor.js": "lapor.js",
    "/static/lapor.css": "lapor.css",
    "/static/i18n.js": "i18n.js",
    "/static/api.js": "api.js",
    "/static/lapor-sms.js": "lapor-sms.js",
}
COMPRESSIBLE = (".html", ".js", ".mjs", ".css", ".json", ".svg", ".txt")  # static files, by name
CONDITIONAL = ("If-None-Match", "If-Modified-Since", "If-Range", "Range")


async def _warm_up(app: web.Application) -> None:
    await app[SERVICES].port.slow(passwords.warm_up)


async def _close_shared_counts(app: web.Application) -> None:
    counts = app[SERVICES].shared_counts
    if counts is not None:
        await counts.close()


# -- middlewares ---------------------------------------------------------------------------------


@web.middleware
async def log_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """One line per request, naming the route (/i/{code}), never the path or query: those can
    carry invite codes."""
    started = time.perf_counter()
    response = await handler(request)
    seconds = time.perf_counter() - started
    route = route_pattern(request)
    metrics.observe(request.method, route, response.status, seconds)
    if route in QUIET_ROUTES:  # a ballot's mere time could be matched with a voter
        return response
    log.info(
        "http method=%s route=%s status=%s ms=%.1f",
        request.method,
        route,
        response.status,
        seconds * 1000,
        extra={
            "method": request.method,
            "route": route,
            "status": response.status,
            "ms": round(seconds * 1000, 1),
        },
    )
    return response


# -- handlers ------------------------------------------------------------------------------------


async def healthz(request: web.Request) -> web.Response:
    """Anyone may ask whether Posko is up; only an administrator learns the details (which
    parts, how far behind), which tell an attacker what to aim at."""
    svc = services(request)
    state = await svc.health()
    status = 200 if state["status"] == "ok" else 503
    token, _ = credentials(request)
    principal = None if token is None else await svc.port.principal(token)
    if principal is None or not principal.admin:
        state = {"status": state["status"]}
    return web.json_response(state, status=status)


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


async def config(request: web.Request) -> web.Response:
    return web.json_response({"ws_url": gateway_url(request), "api": "/api"})


def page(name: str) -> Handler:
    """A page is a static HTML file; what it shows it fetches from the API with the cookie."""

    async def serve(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / name)

    return serve


async def service_worker(request: web.Request) -> web.Response:
    """sw.js headed by the shell's URLs and a digest of their files: a change to any of them
    changes the worker, so phones fetch the new shell as one set, never a new page with old
    scripts."""
    text = await services(request).port.slow(_service_worker_text)
    return web.Response(text=text, content_type="text/javascript")


def _service_worker_text() -> str:
    digest = hashlib.sha256()
    for name in FIELD_SHELL.values():
        digest.update((STATIC / name).read_bytes())
    return (
        f'const VERSION = "{digest.hexdigest()[:16]}";\n'
        f"const SHELL = {json.dumps(list(FIELD_SHELL))};\n" + (STATIC / "sw.js").read_text()
    )


@web.middleware
async def compression_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Pages and static text files are gzipped when the browser takes it: a phone on slow 3G
    downloads about a third. Not for conditional or range requests: aiohttp would write an empty
    gzip stream after a 304's headers, or gzip a byte range. The API's JSON stays as it is."""
    response = await handler(request)
    path = request.path
    static = path.endswith(COMPRESSIBLE) and not path.startswith("/api/")
    if request.method == "GET" and (static or route_pattern(request) in PAGES):
        response.headers["Vary"] = "Accept-Encoding"
        if not any(header in request.headers for header in CONDITIONAL):
            response.enable_compression()
    return response


async def static_caching(request: web.Request, response: web.StreamResponse) -> None:
    """Pages and static files are revalidated on every load: their names carry no version, and
    an unchanged file costs a 304 of a few hundred bytes. The API keeps its own no-store."""
    if not request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-cache")

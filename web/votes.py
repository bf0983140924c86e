"""Strike votes over HTTP: officers call, open and close a union's vote and send personal voting
links; members vote from their session or a link and check their receipt. Ballot requests are
never logged (see app.QUIET_ROUTES) and no answer ever carries a running tally."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from aiohttp import web

from core.access import Permission, may
from core.errors import Forbidden, NotFound
from core.votes import Cast
from projections import votes
from web import bodies, parse
from web.context import PRINCIPAL, created, services, wait_for_min_position


def authorise_union(request: web.Request, permission: Permission, affiliate_id: str) -> str:
    principal = request[PRINCIPAL]
    if not may(principal, permission, affiliate_id=affiliate_id):
        raise Forbidden()
    return principal.id


def _cast_answer(cast: Cast) -> web.Response:
    return web.json_response(
        {"receipt": cast.receipt, "turnout": cast.turnout}, status=201 if cast.created else 200
    )


async def call_vote(request: web.Request) -> web.Response:
    body = await parse.body(request, bodies.VoteIn)
    actor = authorise_union(request, Permission.RUN_VOTE, str(body.affiliate_id))
    svc = services(request)
    result = await svc.port.call_vote(
        id=body.id,
        question=body.question,
        options=list(body.options),
        affiliate_id=body.affiliate_id,
        branch_id=body.branch_id,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        quorum=body.quorum.model_dump(),
        threshold=body.threshold.model_dump(),
        k=body.k,
        weights=None if body.weights is None else {str(p): w for p, w in body.weights.items()},
        actor=actor,
    )
    return created(result)


async def _readable(request: web.Request, vote_id: UUID, permission: Permission) -> str:
    svc = services(request)
    vote = await svc.port.vote(vote_id)
    return authorise_union(request, permission, vote.affiliate_id)


async def open_vote(request: web.Request) -> web.Response:
    vote_id = parse.path_id(request)
    actor = await _readable(request, vote_id, Permission.RUN_VOTE)
    svc = services(request)
    return created(await svc.port.open_vote(vote_id=vote_id, actor=actor))


async def close_vote(request: web.Request) -> web.Response:
    vote_id = parse.path_id(request)
    actor = await _readable(request, vote_id, Permission.RUN_VOTE)
    svc = services(request)
    return created(await svc.port.close_vote(vote_id=vote_id, actor=actor))


async def list_votes(request: web.Request) -> web.Response:
    svc = services(request)
    await wait_for_min_position(request)
    position, docs = await svc.port.snapshot(votes.VOTES)
    principal = request[PRINCIPAL]
    readable = [
        d for d in docs if may(principal, Permission.READ_VOTE, affiliate_id=d["affiliate_id"])
    ]
    return web.json_response({"position": position, "votes": readable})


async def _vote_doc(request: web.Request, vote_id: UUID) -> tuple[int, dict[str, Any]]:
    svc = services(request)
    await wait_for_min_position(request)
    position, docs = await svc.port.snapshot(votes.channel(vote_id))
    if not docs:
        raise NotFound("unknown_vote", field="id")
    return position, docs[0]


async def get_vote(request: web.Request) -> web.Response:
    vote_id = parse.path_id(request)
    position, doc = await _vote_doc(request, vote_id)
    authorise_union(request, Permission.READ_VOTE, doc["affiliate_id"])
    return web.json_response({"position": position, **doc})


async def get_roll(request: web.Request) -> web.Response:
    """The frozen roll as published: size, hash, and the entry digests it hashes (no names)."""
    vote_id = parse.path_id(request)
    await _readable(request, vote_id, Permission.READ_VOTE)
    svc = services(request)
    vote = await svc.port.vote(vote_id)
    entries = await svc.port.roll_digests(vote_id)
    return web.json_response(
        {"roll_size": len(vote.roll), "roll_hash": vote.roll_hash, "entries": entries}
    )


def _person_of(request: web.Request) -> str:
    actor = request[PRINCIPAL].id
    kind, _, person = actor.partition(":")
    if kind != "person":
        raise Forbidden(field="actor")  # the API key or a korlap's invite is nobody's vote
    return person


async def my_roll_entry(request: web.Request) -> web.Response:
    vote_id = parse.path_id(request)
    person = _person_of(request)
    svc = services(request)
    return web.json_response(await svc.port.roll_entry(vote_id=vote_id, person_id=person))


async def cast_ballot(request: web.Request) -> web.Response:
    vote_id = parse.path_id(request)
    person = _person_of(request)
    body = await parse.body(request, bodies.CastIn)
    svc = services(request)
    cast = await svc.port.cast_ballot(
        vote_id=vote_id, person_id=person, choice=body.choice, receipt=body.receipt
    )
    return _cast_answer(cast)


async def issue_link(request: web.Request) -> web.Response:
    vote_id = parse.path_id(request)
    actor = await _readable(request, vote_id, Permission.RUN_VOTE)
    person = (await parse.body(request, bodies.LinkIn)).person_id
    svc = services(request)
    result, code = await svc.port.issue_voting_link(vote_id=vote_id, person_id=person, actor=actor)
    return created(result, code=code, url=f"/pilih#{vote_id}.{code}")


async def link_vote(request: web.Request) -> web.Response:
    """Public: the link's code is the credential. The vote as its voter sees it."""
    vote_id = parse.path_id(request)
    code = (await parse.body(request, bodies.CodeIn)).code
    svc = services(request)
    person = await svc.port.person_for_link(vote_id=vote_id, code=code)
    # From the vote itself, not the views: a link opened right after the vote opened must not
    # find it missing. The same public fields as GET /api/votes/{id}.
    vote = await svc.port.vote(vote_id)
    me = await svc.port.roll_entry(vote_id=vote_id, person_id=person)
    return web.json_response({**vote.public(), "me": me})


async def link_ballot(request: web.Request) -> web.Response:
    vote_id = parse.path_id(request)
    body = await parse.body(request, bodies.LinkCastIn)
    svc = services(request)
    cast = await svc.port.cast_by_link(
        vote_id=vote_id, code=body.code, choice=body.choice, receipt=body.receipt
    )
    return _cast_answer(cast)

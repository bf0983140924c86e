"""Renaming the organisation: an affiliate (federasi) and its branches (administrators)."""

from __future__ import annotations

from aiohttp import web

from core.access import Permission
from web import bodies, parse
from web.context import authorise, recorded, services


async def rename_affiliate(request: web.Request) -> web.Response:
    affiliate_id = parse.path_id(request)
    actor = authorise(request, Permission.MANAGE_PEOPLE)
    body = await parse.body(request, bodies.NameIn)
    svc = services(request)
    result = await svc.port.rename_affiliate(
        affiliate_id=affiliate_id,
        name=body.name,
        actor=actor,
    )
    return recorded(result)


async def rename_branch(request: web.Request) -> web.Response:
    affiliate_id = parse.path_id(request)
    branch_id = parse.path_id(request, "branch_id")
    actor = authorise(request, Permission.MANAGE_PEOPLE)
    body = await parse.body(request, bodies.NameIn)
    svc = services(request)
    result = await svc.port.rename_branch(
        affiliate_id=affiliate_id,
        branch_id=branch_id,
        name=body.name,
        actor=actor,
    )
    return recorded(result)

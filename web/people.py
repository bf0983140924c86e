"""The organisation and its people: affiliates and their branches, people with their details,
passwords and roles, deactivation. Administrators (MANAGE_PEOPLE) only, except that a person may
read their own record and change their own password."""

from __future__ import annotations

import uuid as uuid_module
from typing import Any

from aiohttp import web

from core.access import SCOPE_KEYS, Permission, Role, may
from core.errors import InvalidInput, NotFound
from projections.people import AFFILIATES, PEOPLE
from web import bodies, parse, passwords
from web.context import (
    PRINCIPAL,
    authorise,
    authorise_self_or,
    created,
    recorded,
    services,
    wait_for_min_position,
)
from web.sessions import confirm_password

# -- affiliates ----------------------------------------------------------------------------------


async def register_affiliate(request: web.Request) -> web.Response:
    actor = authorise(request, Permission.MANAGE_PEOPLE)
    body = await parse.body(request, bodies.Named)
    result = await services(request).port.register_affiliate(
        id=body.id or uuid_module.uuid4(), name=body.name, actor=actor
    )
    return created(result)


async def list_affiliates(request: web.Request) -> web.Response:
    authorise(request, Permission.READ_ORGANISATION)
    svc = services(request)
    await wait_for_min_position(request)
    position, docs = await svc.port.snapshot(AFFILIATES)
    return web.json_response({"position": position, "affiliates": docs})


async def add_branch(request: web.Request) -> web.Response:
    affiliate_id = parse.path_id(request)
    actor = authorise(request, Permission.MANAGE_PEOPLE)
    body = await parse.body(request, bodies.Named)
    result = await services(request).port.add_branch(
        affiliate_id=affiliate_id,
        branch_id=body.id or uuid_module.uuid4(),
        name=body.name,
        actor=actor,
    )
    return created(result)


# -- people --------------------------------------------------------------------------------------


async def register_person(request: web.Request) -> web.Response:
    actor = authorise(request, Permission.MANAGE_PEOPLE)
    body = await parse.body(request, bodies.PersonIn)
    svc = services(request)
    password_hash = (
        None
        if body.password is None
        else await svc.port.slow(passwords.hash_password, body.password)
    )
    result = await svc.port.register_person(
        id=body.id or uuid_module.uuid4(),
        **_details(body),
        password_hash=password_hash,
        actor=actor,
    )
    return created(result)


async def list_people(request: web.Request) -> web.Response:
    authorise(request, Permission.MANAGE_PEOPLE)
    svc = services(request)
    await wait_for_min_position(request)
    position, docs = await svc.port.snapshot(PEOPLE)
    return web.json_response({"position": position, "people": docs})


async def get_person(request: web.Request) -> web.Response:
    person_id = parse.path_id(request)
    authorise_self_or(request, person_id, Permission.MANAGE_PEOPLE)
    svc = services(request)
    await wait_for_min_position(request)
    position = await svc.port.views_position()
    doc = await svc.port.load(PEOPLE, str(person_id))
    if doc is None:
        raise NotFound("unknown_person", field="id")
    return web.json_response({**doc, "position": position})


async def edit_person(request: web.Request) -> web.Response:
    """PUT: the whole record; a field left out (email, affiliate, branch) is cleared."""
    person_id = parse.path_id(request)
    actor = authorise(request, Permission.MANAGE_PEOPLE)
    body = await parse.body(request, bodies.PersonDetails)
    result = await services(request).port.edit_person(
        person_id=person_id, **_details(body), actor=actor
    )
    return recorded(result)


async def set_password(request: web.Request) -> web.Response:
    person_id = parse.path_id(request)
    actor = authorise_self_or(request, person_id, Permission.MANAGE_PEOPLE)
    body = await parse.body(request, bodies.PasswordIn)
    if not may(request[PRINCIPAL], Permission.MANAGE_PEOPLE):
        if body.current_password is None:
            raise InvalidInput("required", field="current_password")
        await confirm_password(request, person_id, body.current_password)
    svc = services(request)
    password_hash = await svc.port.slow(passwords.hash_password, body.password)
    result = await svc.port.set_password(
        person_id=person_id, password_hash=password_hash, actor=actor
    )
    return recorded(result)


async def grant_role(request: web.Request) -> web.Response:
    person_id = parse.path_id(request)
    actor = authorise(request, Permission.MANAGE_PEOPLE)
    role = _role(await parse.body(request, bodies.RoleIn))
    result = await services(request).port.grant_role(person_id=person_id, role=role, actor=actor)
    return created(result)


async def revoke_role(request: web.Request) -> web.Response:
    """DELETE with the role as its body: roles have no id of their own, their scope is it."""
    person_id = parse.path_id(request)
    actor = authorise(request, Permission.MANAGE_PEOPLE)
    role = _role(await parse.body(request, bodies.RoleIn))
    result = await services(request).port.revoke_role(person_id=person_id, role=role, actor=actor)
    return recorded(result)


async def deactivate_person(request: web.Request) -> web.Response:
    person_id = parse.path_id(request)
    actor = authorise(request, Permission.MANAGE_PEOPLE)
    result = await services(request).port.deactivate_person(person_id=person_id, actor=actor)
    return created(result)


async def reactivate_person(request: web.Request) -> web.Response:
    person_id = parse.path_id(request)
    actor = authorise(request, Permission.MANAGE_PEOPLE)
    result = await services(request).port.reactivate_person(person_id=person_id, actor=actor)
    return created(result)


def _details(body: bodies.PersonDetails) -> dict[str, Any]:
    return {
        "name": body.name,
        "phone": body.phone,
        "email": body.email,
        "affiliate_id": body.affiliate_id,
        "branch_id": body.branch_id,
    }


def _role(body: bodies.RoleIn) -> Role:
    """A role with its scope (the ids it names, as strings)."""
    scope = {key: getattr(body, key) for key in SCOPE_KEYS}
    return Role(body.name, **{key: str(value) for key, value in scope.items() if value is not None})

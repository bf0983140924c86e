"""The organisation's names: an affiliate (federasi) or one of its branches renamed."""

from __future__ import annotations

from uuid import UUID

from core.base import PoskoBase, Recorded
from core.people import Affiliate


class OrganisationCommands(PoskoBase):
    def rename_affiliate(self, *, affiliate_id: UUID, name: str, actor: str) -> Recorded:
        def rename(affiliate: Affiliate) -> bool:
            return affiliate.rename(name=name, actor=actor)

        return self._change(affiliate_id, Affiliate, rename, field="id")

    def rename_branch(
        self, *, affiliate_id: UUID, branch_id: UUID, name: str, actor: str
    ) -> Recorded:
        def rename(affiliate: Affiliate) -> bool:
            return affiliate.rename_branch(branch_id=branch_id, name=name, actor=actor)

        return self._change(affiliate_id, Affiliate, rename, field="id", result_id=branch_id)

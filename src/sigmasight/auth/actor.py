"""Who is asking: the authenticated principal every service call is made on behalf of."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sigmasight.auth.models import Role


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: uuid.UUID
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

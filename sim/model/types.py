"""The model's code tables, in one place: theatres, weapons, US tiers and triggers, strike
countries, direct-fire targets.

Every engine, the scenario encoder and every output reads these enums; their integer values
are what the per-replicate arrays hold and their ``label`` is what scenario files and tables
show.
"""

from __future__ import annotations

from enum import IntEnum


class Coded(IntEnum):
    """An integer code with a lower-case label (its name as written in scenario files)."""

    @property
    def label(self) -> str:
        """The name as scenario files and tables write it, e.g. ``"iranian_personnel"``."""
        return self.name.lower()

    @classmethod
    def labels(cls) -> tuple[str, ...]:
        """Every label, in code order."""
        return tuple(m.label for m in cls)

    @classmethod
    def from_label(cls, label: str) -> Coded:
        """The member whose label is ``label`` (``ValueError`` otherwise)."""
        for m in cls:
            if m.label == label:
                return m
        raise ValueError(f"{label!r} is not one of {', '.join(cls.labels())}")


class Theatre(Coded):
    """Where a militia attack lands; ``EMBASSY`` is the Baghdad embassy and Green Zone."""

    IRAQ = 0
    SYRIA = 1
    EMBASSY = 2
    JORDAN = 3
    ISRAEL = 4


class Weapon(Coded):
    """What an attack uses."""

    ROCKET = 0
    DRONE = 1


class Tier(Coded):
    """A US response tier, in escalating order; ``NONE`` means no strike."""

    NONE = 0
    FACILITIES = 1
    LEADERS = 2
    IRANIAN_PERSONNEL = 3
    IRAN_TERRITORY = 4


class Trigger(Coded):
    """What makes the US answer: American deaths only (the documented doctrine), any
    casualties, every attack streak, or nothing."""

    DEATHS = 0
    CASUALTIES = 1
    STREAK = 2
    NEVER = 3


class StrikeCountry(Coded):
    """Where a US strike lands."""

    IRAQ = 0
    SYRIA = 1
    IRAN = 2


class Campaign(Coded):
    """Iran's proxy campaign, a latent state every aligned group follows: none, a campaign
    on US forces, or one on Israel only."""

    OFF = 0
    ON_US = 1
    ON_ISRAEL = 2


class DirectTarget(Coded):
    """Whom an Iranian direct attack is aimed at."""

    US = 0
    ISRAEL = 1


THEATRES: tuple[str, ...] = Theatre.labels()
N_THEATRES: int = len(Theatre)
US_THEATRES: tuple[int, ...] = tuple(int(t) for t in Theatre if t != Theatre.ISRAEL)
"""Theatres where US personnel are exposed (all but Israel)."""
WEAPONS: tuple[str, ...] = Weapon.labels()
TIERS: tuple[str, ...] = Tier.labels()
TRIGGERS: tuple[str, ...] = Trigger.labels()

NEVER = -1
"""A scheduled day that is not set ("no day scheduled")."""
NO_DAY = 10**9
"""Day index meaning "never" (beyond any horizon)."""

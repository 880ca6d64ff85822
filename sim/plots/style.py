"""The figures' shared colours: a colour-blind-safe palette (Okabe and Ito, 2008), so that no
two policies are told apart by red against green alone."""

from __future__ import annotations

PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
                            "#D55E00", "#000000", "#F0E442")
"""Okabe-Ito: blue, orange, bluish green, reddish purple, sky blue, vermillion, black,
yellow (last: weak on white).  Series take them in this order."""

RUNG_COLORS: dict[int, str] = {1: "#BBBBBB", 2: "#56B4E9", 3: "#0072B2", 4: "#E69F00",
                               5: "#D55E00", 6: "#CC79A7", 7: "#000000"}
"""One colour per ladder rung, the same in every figure."""

BAND = "#0072B2"
"""Simulated bands."""
RECORD = "#000000"
"""The documented record."""
BRANCH = "#333333"
"""The branch line (where a replay ends and the model runs free)."""

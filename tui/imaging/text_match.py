"""How well an expected string was read: found or not, and the character error rate of the closest stretch.

Both sides are normalised first (``presets.machine.normalise_text``: NFKC, case folded, spaces, punctuation and
symbols left out), so "第七届 · 上海" matches "第七届·上海" and "Grand Opening" matches "GRAND OPENING". The
character error rate (CER) is the edit distance (insertions, deletions, substitutions) between the expected string
and the stretch of the text read that is closest to it, over the expected string's length: 0 when it was read
exactly, 0.6 for 時光電影節 read where 时光电影节 was asked (three of five characters differ), 1 when nothing of
it was read. Pure Python, no pixels.
"""

from __future__ import annotations

from presets.machine import normalise_text
from tui.core.model import StringMatch

MAX_TEXT = 4000  # characters of normalised text searched (a poster reads a few hundred)


def closest_stretch(expected: str, text: str) -> tuple[int, str]:
    """The fewest edits that turn some stretch of ``text`` into ``expected``, and that stretch (Sellers' algorithm:
    edit distance with a free start and end in the text)."""
    m = len(expected)
    if m == 0:
        return 0, ""
    # Column by column over the text; cost[i] = edits to make expected[:i] end here; start[i] = where that begins.
    cost = list(range(m + 1))
    start = [0] * (m + 1)
    best, best_start, best_end = m, 0, 0
    for j, ch in enumerate(text, 1):
        prev_cost, prev_start = cost[0], start[0]
        cost[0], start[0] = 0, j
        for i in range(1, m + 1):
            diagonal = prev_cost + (expected[i - 1] != ch)
            prev_cost, prev_start_next = cost[i], start[i]
            up = cost[i - 1] + 1  # expected[i-1] not in the text
            left = cost[i] + 1  # text character not in expected
            if diagonal <= up and diagonal <= left:
                cost[i], start[i] = diagonal, prev_start
            elif up <= left:
                cost[i], start[i] = up, start[i - 1]
            else:
                cost[i] = left
            prev_start = prev_start_next
        # On a tie, the stretch nearest the expected length: 時光電影節 (three changed) over 時光電影 (two changed and
        # one missing), the way a reader would line them up.
        if cost[m] < best or (cost[m] == best and abs(j - start[m] - m) < abs(best_end - best_start - m)):
            best, best_start, best_end = cost[m], start[m], j
    return best, text[best_start:best_end]


def match(expected: str, text: str) -> StringMatch:
    """One expected string against everything read (normalised on both sides)."""
    want = normalise_text(expected)
    have = normalise_text(text)[:MAX_TEXT]
    if want and want in have:
        return StringMatch(expected, True, 0.0, want)
    edits, stretch = closest_stretch(want, have)
    return StringMatch(expected, False, round(edits / max(1, len(want)), 3), stretch)

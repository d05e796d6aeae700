"""Drawing a student's questions from a test matrix (ma trận đề): pure, no database.

A matrix is a list of cells `{topic, level, count}`; each cell has a pool of questions (the bank's
approved questions of that topic and level, pinned when the assignment was made). Every attempt
draws exactly `count` distinct questions from each cell's pool, the least used first (how many
earlier attempts of the same assignment drew each one), picking at random among equally used
ones, so that a class's draws spread over the whole pool before any question comes back. A
question is never drawn twice in one attempt, even if it sits in two pools.
"""

__all__ = ["draw", "Shortage"]


class Shortage(ValueError):
    """A cell's pool holds fewer questions than the cell asks for: `cell`, `wanted`, `available`."""

    def __init__(self, cell, wanted, available):
        super().__init__(f"cell {cell}: wanted {wanted}, available {available}")
        self.cell, self.wanted, self.available = cell, wanted, available


def draw(pools, cells, usage, rng):
    """For each cell (in order) a list of exactly `count` distinct question keys from its pool.

    - `pools`: {cell index: iterable of keys} (any hashable key: question ids, pinned row ids);
    - `cells`: the matrix, a list of dicts with `count` (other keys are ignored);
    - `usage`: {key: how many earlier attempts drew it}; a key not in it counts as never drawn;
    - `rng`: a `random.Random`, so that a test (or a replay) can fix the draw.

    Least used first, random among the equally used; a key already drawn for an earlier cell of
    this attempt is not drawn again. Raises Shortage when a cell cannot be filled.
    """
    taken, drawn = set(), []
    for index, cell in enumerate(cells):
        count = int(cell["count"])
        pool = [key for key in dict.fromkeys(pools.get(index, ())) if key not in taken]
        if len(pool) < count:
            raise Shortage(index, count, len(pool))
        chosen = _ranked(pool, usage, rng)[:count]
        taken.update(chosen)
        drawn.append(chosen)
    return drawn


def _ranked(pool, usage, rng):
    """The pool, least used first; a random number per candidate orders the equally used, so the
    order among equals is a fair shuffle."""
    ties = {key: rng.random() for key in pool}
    return sorted(pool, key=lambda key: (usage.get(key, 0), ties[key]))

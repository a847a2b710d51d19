"""`atbot run` freezes the heap start-up built, so later collections do not walk it again."""

from __future__ import annotations

import gc

from adapters.heap import settle_heap


def test_what_start_up_built_is_left_out_of_later_collections() -> None:
    built_at_start = [object()]  # a container the collector tracks
    try:
        frozen = settle_heap()
        assert frozen == gc.get_freeze_count() > 10_000  # the imported libraries, for one
        assert not any(o is built_at_start for o in gc.get_objects())  # no generation holds it
        made_after = [object()]
        assert any(o is made_after for o in gc.get_objects())
    finally:
        gc.unfreeze()
    assert any(o is built_at_start for o in gc.get_objects())

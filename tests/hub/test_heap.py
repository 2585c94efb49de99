import gc

from hub import heap


def test_settle_moves_start_up_objects_out_of_the_collectors_view() -> None:
    kept = [object() for _ in range(10)]
    try:
        heap.settle()
        assert gc.get_freeze_count() >= len(kept)
        assert gc.get_count()[0] < 10  # the young generation starts empty
    finally:
        gc.unfreeze()

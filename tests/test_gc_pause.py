"""gc_pause: the collector is off only while a table is built, and a long-lived process never freezes."""

import gc

import pytest

from vaultnet import gc_pause
from vaultnet.gc_pause import freeze_after_loads, gc_paused


def test_collector_is_back_on_after_a_load_and_after_a_failing_one():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested: the outer one turns it back on
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("a shard that cannot be read")
    assert gc.isenabled()


def test_collector_stays_off_when_the_caller_had_it_off():
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_nothing_is_frozen_unless_the_process_says_it_ends_soon():
    assert gc_pause._freeze is False  # a library user or a test process: collect as always
    before = gc.get_freeze_count()
    with gc_paused():
        kept = [{"n": i} for i in range(1000)]
    assert gc.get_freeze_count() == before
    freeze_after_loads()
    try:
        with gc_paused():
            kept += [{"n": i} for i in range(1000)]
        assert gc.get_freeze_count() >= before + 1000
    finally:
        freeze_after_loads(False)
        gc.unfreeze()
    assert gc.get_freeze_count() == 0

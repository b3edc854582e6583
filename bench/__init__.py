"""Accord's benchmarks: figures printed with the named peers measured in the same run.

Run them all with ``python -m bench`` (``make bench``), or one with ``python -m bench NAME``;
``--quick`` scales the sizes down. Figures go into ``bench/RESULTS.md`` with the date and the
command. Performance is measured here, never by timed tests.
"""

"""Loaded by the serving processes of ``bench/flash_under_load.py --trace`` (on their PYTHONPATH only)."""

from bench._flash_trace import install

install()

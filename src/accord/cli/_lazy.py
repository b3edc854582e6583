"""Commands imported when they are used, so that ``accord --help`` does not load the node.

Each command module imports the node (SQLAlchemy, the crypto, the exchange) and some import
much more (the HTTP stack, the interop formats); importing them all costs seconds, and a
person typing ``accord --help`` or ``accord item list`` needs at most one of them.
:class:`LazyGroup` knows its commands by name, module and one-line help (:class:`LazyCommand`)
and imports a command's module only when the command is run, asked for its own help, or
completed; its own help lists every command from the one-line helps without importing any.

``tests/cli/test_cli_lazy.py`` checks that the listed helps are the commands' own (the help
printed with every module loaded is the same) and that ``accord --help`` and ``accord item
list`` import nothing they do not need.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any, ClassVar

import typer.core

from accord.cli._commands import LazyCommand, starting_up

__all__ = ["LazyCommand", "LazyGroup", "starting_up"]


class _Commands(MutableMapping[str, Any]):
    """A group's commands by name: the lazy ones are loaded (once) when looked up."""

    def __init__(self, loaded: Mapping[str, Any], lazy: tuple[LazyCommand, ...]) -> None:
        self._lazy = {spec.name: spec for spec in lazy}
        self._loaded = dict(loaded)
        self._order = [*self._lazy, *(name for name in loaded if name not in self._lazy)]

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            self._loaded[name] = self._lazy[name].load()  # KeyError: no such command
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        if name not in self._order:
            self._order.append(name)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self._order.remove(name)
        self._lazy.pop(name, None)
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, name: object) -> bool:
        # Mapping's own would look the command up, hence load it.
        return name in self._lazy or name in self._loaded

    def listed(self, name: str) -> Any:
        """The command if it is loaded, else a stand-in carrying its name and one-line help."""
        if name in self._loaded:
            return self._loaded[name]
        return typer.core.TyperCommand(name=name, help=self._lazy[name].summary)


class LazyGroup(typer.core.TyperGroup):
    """A Typer group whose commands (:attr:`lazy`) are imported when used; subclass to set them.

    Use it as ``typer.Typer(cls=...)``. ``commands`` holds every command, so whatever walks the
    tree (the CLI reference, shell completion) sees them all and loads what it touches.
    """

    lazy: ClassVar[tuple[LazyCommand, ...]] = ()

    def __init__(self, **attrs: Any) -> None:
        """As :class:`typer.core.TyperGroup`, with :attr:`lazy` added to the commands."""
        super().__init__(**attrs)
        self.commands = _Commands(self.commands, self.lazy)
        self._listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        """The commands' names, in order, without loading any."""
        return list(self.commands)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command (loaded now if need be); while the group prints its help, a stand-in."""
        commands = self.commands
        if self._listing and isinstance(commands, _Commands) and cmd_name in commands:
            return commands.listed(cmd_name)
        return commands.get(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The group's help, listing the commands from their one-line helps (nothing imported)."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

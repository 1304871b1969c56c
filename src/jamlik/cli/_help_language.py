"""Help screens and usage errors wholly in the chosen language, Typer's own words included.

Typer draws its panels from module globals (``typer.rich_utils``: "Options", "[default: …]",
"[required]", …) and its vendored Click writes "Usage:", "Show this message and exit." and the
usage errors ("Missing option", "No such option") as fixed English text. There is no gettext
catalogue to plug in, so this module sets those globals from jamlik's catalogue and wraps the
three places that write fixed text: the usage line, the help option and the usage errors.
"""

from __future__ import annotations

import functools
from typing import Any

from jamlik.i18n import catalogue, current_language, t

__all__ = ["localise_group_help", "localise_help"]

#: Typer's rich help globals -> catalogue key.
_TYPER_GLOBALS = {
    "DEFAULT_STRING": "cli.help.default",
    "REQUIRED_LONG_STRING": "cli.help.required",
    "ARGUMENTS_PANEL_TITLE": "cli.help.arguments",
    "OPTIONS_PANEL_TITLE": "cli.help.options",
    "COMMANDS_PANEL_TITLE": "cli.help.commands",
    "ERRORS_PANEL_TITLE": "cli.help.error",
    "ABORTED_TEXT": "cli.help.aborted",
    "RICH_HELP": "cli.help.try_help",
}
#: English beginnings of usage errors -> catalogue key of the replacement.
_ERROR_PREFIXES = {
    "Missing option": "cli.help.missing_option",
    "Missing argument": "cli.help.missing_argument",
    "No such option:": "cli.help.no_such_option",
    "Invalid value for": "cli.help.invalid_value",
    "Got unexpected extra argument": "cli.help.extra_argument",
}
_wrapped = False


def _text(key: str) -> str:
    # Raw templates: Typer fills in its own placeholders later.
    return catalogue()[key][current_language()]


def localise_help(language: str | None = None) -> None:
    """Put Typer's help words in ``language`` (default: the current language).

    ``typer.rich_utils`` (and rich) cost ~0.15 s to import, so its globals are set only when a
    help screen or a usage error is about to be drawn; ``jamlik version`` never imports it.
    """
    if language is not None:
        import os

        os.environ["JAMLIK_LANG"] = current_language(language)
    _wrap_fixed_texts()


def _set_typer_globals() -> None:
    import typer.rich_utils

    lang = current_language()
    for name, key in _TYPER_GLOBALS.items():
        # Typer fills "[default: {}]" positionally; the catalogue names every placeholder.
        setattr(typer.rich_utils, name, catalogue()[key][lang].replace("{value}", "{}"))


def _wrap_fixed_texts() -> None:
    """Wrap the vendored Click's fixed English texts once; they read the language when used."""
    global _wrapped
    if _wrapped:
        return
    _wrapped = True
    import typer.core
    from typer._click import core, exceptions, formatting

    for command_class in (typer.core.TyperCommand, typer.core.TyperGroup):
        command_class.format_help = _drawn_localised(command_class.format_help)  # type: ignore[method-assign]

    write_usage = formatting.HelpFormatter.write_usage

    @functools.wraps(write_usage)
    def localised_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, _text("cli.help.usage") + " " if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = localised_usage  # type: ignore[method-assign]

    get_help_option = core.Command.get_help_option

    @functools.wraps(get_help_option)
    def localised_help_option(self: Any, ctx: Any) -> Any:
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = _text("cli.help.show_help")
        return option

    core.Command.get_help_option = localised_help_option  # type: ignore[method-assign]

    for cls in (exceptions.MissingParameter, exceptions.NoSuchOption, exceptions.BadParameter):
        cls.format_message = _localised_message(cls.format_message)  # type: ignore[method-assign]
    exceptions.UsageError.format_message = _localised_message(  # type: ignore[method-assign]
        exceptions.UsageError.format_message
    )


def _drawn_localised(format_help: Any) -> Any:
    @functools.wraps(format_help)
    def localised(self: Any, ctx: Any, formatter: Any) -> None:
        _set_typer_globals()
        format_help(self, ctx, formatter)

    return localised


def _localised_message(format_message: Any) -> Any:
    @functools.wraps(format_message)
    def localised(self: Any) -> str:
        _set_typer_globals()  # the error panel is drawn next
        message = str(format_message(self))
        for english, key in _ERROR_PREFIXES.items():
            if message.startswith(english):
                message = _text(key) + message[len(english) :]
        return message.replace("(Possible options:", _text("cli.help.possible_options"))

    return localised


def localise_group_help(command: Any, language: str | None = None) -> None:
    """Set the top-level group's own help and option texts in ``language``."""
    lang = current_language(language)
    command.help = t("cli.help.app", lang)
    for param in getattr(command, "params", ()):
        if param.name in ("verbose", "quiet", "language"):
            param.help = t(f"cli.help.opt_{param.name}", lang)
    for name, sub in getattr(command, "commands", {}).items():  # those registered eagerly
        sub.help = t(f"cli.commands.{name}", lang)

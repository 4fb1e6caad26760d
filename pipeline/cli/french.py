"""argparse in French: its usage line, section titles, --help line and error messages (issue #24).

argparse translates its own texts through ``gettext``; :func:`install` gives it these translations
instead (the process is the ``insertion`` command: nothing else in it reads argparse's English)."""

from __future__ import annotations

import argparse

TEXTS = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "show this help message and exit": "affiche cette aide et s'arrête",
    "subcommands": "sous-commandes",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (au choix : %(choices)s)",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r (attendu : %(type)s)",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "unrecognized arguments: %s": "arguments inconnus : %s",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "ignored explicit argument %r": "argument explicite ignoré : %r",
    "expected one argument": "une valeur attendue",
    "expected at most one argument": "au plus une valeur attendue",
    "expected at least one argument": "au moins une valeur attendue",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut désigner %(matches)s",
    "unexpected option string: %s": "option inattendue : %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "commande inconnue %(parser_name)r (au choix : %(choices)s)",
    "can't open '%(filename)s': %(error)s": "ouverture impossible de « %(filename)s » : %(error)s",
}
# the type names argparse puts in « invalid %(type)s value »
TYPES = {"int": "un nombre entier", "float": "un nombre"}


def gettext(text: str) -> str:
    return TEXTS.get(text, TYPES.get(text, text))


def ngettext(singular: str, plural: str, n: int) -> str:
    if singular == "expected %s argument":
        return "%s valeur attendue" if n == 1 else "%s valeurs attendues"
    return gettext(singular if n == 1 else plural)


def _type_name(action) -> str:  # argparse names the type by its __name__: int, float
    return TYPES.get(getattr(action.type, "__name__", ""), "")


def install() -> None:
    argparse._ = gettext
    argparse.ngettext = ngettext


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose conversion errors name the expected value in French."""

    def _get_value(self, action, arg_string):
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError as exc:
            name = _type_name(action)
            if name and "valeur invalide" in str(exc):
                raise argparse.ArgumentError(action, f"{name} attendu, pas {arg_string!r}") from None
            raise


class Formatter(argparse.RawDescriptionHelpFormatter):
    """The --help layout, with French typography: a space before the colon of each section title."""

    def start_section(self, heading):
        super().start_section(f"{heading} " if heading else heading)

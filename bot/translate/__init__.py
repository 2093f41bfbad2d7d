"""Machine translation between coach and newcomer: providers behind one interface, and a cache."""

from bot.translate.types import Translation, TranslationUnavailableError, Translator

__all__ = ["Translation", "TranslationUnavailableError", "Translator"]

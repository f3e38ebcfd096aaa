"""The `doorstep` command: Django's management commands with doorstep's settings (demo, audit verify, …).

Commands speak the site's language (settings.LANGUAGE_CODE, Chinese) unless DOORSTEP_LANGUAGE names another one of
settings.LANGUAGES (`DOORSTEP_LANGUAGE=en doorstep audit verify`). It changes what the command prints only: records a
command writes are kept in the site's language, as the web's are.
"""

import os
import sys

LANGUAGE_VARIABLE = "DOORSTEP_LANGUAGE"


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    from django.core.management import execute_from_command_line

    arguments = ["doorstep", *(argv if argv is not None else sys.argv[1:])]
    chosen = os.environ.get(LANGUAGE_VARIABLE, "").strip()
    if not chosen:
        execute_from_command_line(arguments)
        return
    # A language can be activated only once the apps are loaded; execute_from_command_line's setup finds them so.
    import django
    from django.utils import translation

    django.setup()
    try:
        language = translation.get_supported_language_variant(chosen)
    except LookupError:
        from django.conf import settings

        codes = ", ".join(code for code, _name in settings.LANGUAGES)
        sys.exit(  # zh: said before a language is chosen, so in both
            f"{LANGUAGE_VARIABLE}={chosen}: unknown language; use one of {codes} / 未知语言，可选：{codes}")
    with translation.override(language):
        execute_from_command_line(arguments)


if __name__ == "__main__":
    main()

"""Fill Vietnamese translations from a JSON file of {msgid: msgstr}: scripts/translate.py new.json

Run `make extract-messages` first to bring new strings into the catalog; this
writes the given translations into translations/vi/LC_MESSAGES/messages.po and
lists what is still untranslated. A plural entry (one form in Vietnamese) takes
a string or a one-element list.
"""

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).resolve().parent.parent / "translations/vi/LC_MESSAGES/messages.po"


def main() -> None:
    updates = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")) if len(sys.argv) > 1 else {}
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    for msgid, msgstr in updates.items():
        message = catalog.get(msgid)
        if message is None:
            sys.exit(f"not in the catalog: {msgid!r}")
        if isinstance(message.id, tuple | list):  # plural: Vietnamese has a single form
            message.string = tuple(msgstr) if isinstance(msgstr, list) else (msgstr,)
        else:
            message.string = msgstr
    with CATALOG.open("wb") as handle:
        write_po(handle, catalog, width=None)
    missing = [
        m.id
        for m in catalog
        if m.id and not (m.string if isinstance(m.string, str) else m.string[0])
    ]
    print("untranslated:", missing or "none")


if __name__ == "__main__":
    main()

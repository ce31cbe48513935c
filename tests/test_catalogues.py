"""Every message the code asks to translate is translated in vi, en and km."""

import pytest

from tools.catalogues import PARTS, extract, problems


@pytest.mark.parametrize("part", PARTS)
def test_catalogue_is_complete(part):
    missing = problems(part)
    assert not missing, "\n".join(missing[:30])


def test_the_parts_with_interface_text_have_catalogues():
    for part in ("appliance", "web", "newsroom"):
        assert len(extract(part)) > 10, part


@pytest.mark.parametrize("lang", ["vi", "km"])
def test_a_message_shared_by_parts_reads_the_same_everywhere(lang):
    # Catalogues are merged at start-up, so a later part's translation of the
    # same English message would silently replace an earlier one's.
    from tools.catalogues import load

    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for part in PARTS:
        catalog = load(part, lang)
        for message in catalog or []:
            if not message.id or not isinstance(message.id, str):
                continue
            if message.id in seen and seen[message.id][1] != message.string:
                clashes.append(f"{message.id!r}: {seen[message.id][0]} and {part} differ")
            seen.setdefault(message.id, (part, message.string))
    assert not clashes, "\n".join(clashes[:20])

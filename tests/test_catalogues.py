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

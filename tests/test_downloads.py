"""The Content-Disposition header of downloads: the name as people see it, and a plain fallback."""

import pytest

from dspt_portal.downloads import attachment_header


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("policy.pdf", "attachment; filename=\"policy.pdf\"; filename*=UTF-8''policy.pdf"),
        (
            'Policy "final".pdf',
            "attachment; filename=\"Policy 'final'.pdf\"; "
            "filename*=UTF-8''Policy%20%22final%22.pdf",
        ),
        (
            "Politique de sécurité.pdf",
            'attachment; filename="Politique de securite.pdf"; '
            "filename*=UTF-8''Politique%20de%20s%C3%A9curit%C3%A9.pdf",
        ),
        (
            "データ.pdf",
            "attachment; filename=\".pdf\"; filename*=UTF-8''%E3%83%87%E3%83%BC%E3%82%BF.pdf",
        ),
        (
            "back\\slash;x.pdf",
            "attachment; filename=\"backslash;x.pdf\"; filename*=UTF-8''back%5Cslash%3Bx.pdf",
        ),
    ],
)
def test_attachment_header(name, header):
    assert attachment_header(name) == header

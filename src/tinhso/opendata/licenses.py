"""The licenses a dataset may declare (CKAN's default list, the ones Vietnamese portals use)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class License:
    id: str
    title: str
    url: str
    is_open: bool


LICENSES = {
    lic.id: lic
    for lic in [
        License("cc-by", "Creative Commons Attribution",
                "http://www.opendefinition.org/licenses/cc-by", True),
        License("cc-by-4.0", "Creative Commons Attribution 4.0",
                "https://creativecommons.org/licenses/by/4.0/", True),
        License("cc-by-sa", "Creative Commons Attribution Share-Alike",
                "http://www.opendefinition.org/licenses/cc-by-sa", True),
        License("cc-zero", "Creative Commons CCZero",
                "http://www.opendefinition.org/licenses/cc-zero", True),
        License("odc-by", "Open Data Commons Attribution License",
                "http://www.opendefinition.org/licenses/odc-by", True),
        License("odc-odbl", "Open Data Commons Open Database License (ODbL)",
                "http://www.opendefinition.org/licenses/odc-odbl", True),
        License("odc-pddl", "Open Data Commons Public Domain Dedication and License (PDDL)",
                "http://www.opendefinition.org/licenses/odc-pddl", True),
        License("other-open", "Other (Open)", "", True),
        License("other-at", "Other (Attribution)", "", True),
        License("other-closed", "Other (Not Open)", "", False),
        License("notspecified", "License not specified", "", False),
    ]
}

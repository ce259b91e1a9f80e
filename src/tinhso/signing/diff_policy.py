"""pyHanko's default difference analysis, with a shortcut for revisions that only add
validation data, reaching pyHanko's own verdict for them.

A B-LT signature is followed by a revision that adds its chain and revocation answers to the
DSS (and touches /Info). pyHanko checks such a revision against the one before it with its
global rules (catalog, /Info, DSS structure, xref and object streams, metadata) and then
makes sure each object the revision overwrites is reached, in the older revision, only
where a rule approved the change. For that last step it maps every path from the trailer to
every object of the older revision (`_load_reverse_xref_cache`): a third of the time it
takes to validate our documents.

`StandardDiffPolicyWithDssShortcut.apply` answers "validation data only" (LTA_UPDATES)
itself only when all of this holds, and otherwise hands the pair to pyHanko unchanged:

- the new revision directly follows the old one, frees nothing, and no DocMDP level applies;
- pyHanko's own global rules, run on the pair, approve every object the revision writes (at
  LTA_UPDATES level, without raising), and none of them is a form object (pyHanko's form
  rule names no written object and no changed field);
- every approved object that already existed is referenced exactly once in the whole old
  revision (the trailer and every object it holds, reachable or not; xref streams, which
  repeat the trailer, only when something refers to them), by a container
  itself referenced exactly once, and so on up to the trailer, and pyHanko's approval names
  that one path (or approves the object wherever it is).

pyHanko's usage map only ever holds paths made of such references, so it would hold at
most that one path, which the approval clears: pyHanko reaches the same verdict. Anything
else (a page, a field, an annotation, an object shared with signed content, an object
nothing explains) is not a "validation data only" revision and gets pyHanko's full
analysis. `tests/test_speedups.py` checks the verdicts against pyHanko's on our documents
and on documents changed after signing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver, RawPdfPath
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    DiffResult,
    ModificationLevel,
    StandardDiffPolicy,
    SuspiciousModification,
)
from pyhanko.sign.diff_analysis.rules_api import (
    AbsoluteContext,
    ApprovalType,
    Context,
    ReferenceUpdate,
    RelativeContext,
)
from pyhanko.version import __version__ as pyhanko_version

from tinhso.signing.speedups import PYHANKO_VERSIONS

# Only for the pyHanko version whose `StandardDiffPolicy.apply` the shortcut was checked
# against (its source is pinned in `speedups.ORIGINAL_SOURCES`).
SHORTCUT = pyhanko_version in PYHANKO_VERSIONS
TRAILER = "trailer"
MAX_DEPTH = 16


def _key(ref: Any) -> tuple[int, int]:
    return ref.idnum, ref.generation


def _occurrences(obj: Any, container: Any, path: tuple[Any, ...],
                 found: dict[tuple[int, int], list[tuple[Any, tuple[Any, ...]]]]) -> None:
    """Record every indirect reference inside `obj` (not following them) as
    (container, path inside the container)."""
    if isinstance(obj, generic.IndirectObject):
        found[_key(obj.reference)].append((container, path))
    elif isinstance(obj, generic.DictionaryObject):  # streams too
        for k in obj:
            _occurrences(obj.raw_get(k), container, (*path, k), found)
    elif isinstance(obj, generic.ArrayObject):
        for ix, v in enumerate(obj):
            if isinstance(v, (generic.IndirectObject, generic.DictionaryObject,
                              generic.ArrayObject)):
                _occurrences(v, container, (*path, ix), found)


def _reference_map(old: HistoricalResolver) -> dict[tuple[int, int], list[tuple[Any, Any]]]:
    """Where each reference occurs in the old revision: in its trailer and in every object
    it holds."""
    reader = old.reader
    xrefs = reader.xrefs
    found: dict[tuple[int, int], list[tuple[Any, Any]]] = defaultdict(list)
    _occurrences(old.trailer_view, TRAILER, (), found)
    seen: set[tuple[int, int]] = set()
    # An xref stream repeats the trailer (/Root, /Info) in its dictionary but is not part of
    # the document: it is left out unless something refers to it.
    xref_streams = {_key(ref) for ref in xrefs.xref_stream_refs}
    skipped = []
    for revision in range(old.revision + 1):
        for ref in xrefs.explicit_refs_in_revision(revision):
            key = _key(ref)
            if key in seen or xrefs.get_historical_ref(ref, old.revision) is None:
                continue
            seen.add(key)
            if key in xref_streams:
                skipped.append(ref)
                continue
            _occurrences(_historical(old, ref), key, (), found)
    for ref in skipped:
        if _key(ref) in found:
            _occurrences(_historical(old, ref), _key(ref), (), found)
    return found


def _historical(old: HistoricalResolver, ref: Any) -> Any:
    """The object as the old revision has it, without pyHanko's per-revision copy when it
    has not changed since."""
    reader = old.reader
    if reader.xrefs.get_last_change(ref) <= old.revision:
        return reader.get_object(ref, transparent_decrypt=False)
    return old(ref)


def _only_path(key: tuple[int, int], refs: dict[tuple[int, int], list[tuple[Any, Any]]],
               depth: int = 0) -> RawPdfPath | None:
    """The one path from the trailer to `key` if there is exactly one reference to it and
    to each container on the way; else None."""
    places = refs.get(key, [])
    if len(places) != 1 or depth > MAX_DEPTH:
        return None
    container, inner = places[0]
    if container == TRAILER:
        return RawPdfPath(*inner)
    outer = _only_path(container, refs, depth + 1)
    return None if outer is None else outer + RawPdfPath(*inner)


def _clears(update: ReferenceUpdate, old: HistoricalResolver, path: RawPdfPath | None) -> bool:
    if update.approval_type == ApprovalType.BLANKET_APPROVE:
        return True
    if path is None:
        return False
    usage = Context.from_absolute(old, path)
    checked = update.context_checked
    if isinstance(checked, AbsoluteContext):
        return usage == checked
    if isinstance(checked, RelativeContext):
        return usage.relative_view == checked
    return False


class StandardDiffPolicyWithDssShortcut(StandardDiffPolicy):
    """`DEFAULT_DIFF_POLICY`'s rules; see the module docstring."""

    shortcuts = 0  # how many revision pairs the shortcut answered (for tests and benchmarks)

    def apply(self, old: HistoricalResolver, new: HistoricalResolver,
              field_mdp_spec: Any = None, doc_mdp: Any = None) -> DiffResult:
        if SHORTCUT and self._validation_data_only(old, new, field_mdp_spec, doc_mdp):
            type(self).shortcuts += 1
            return DiffResult(modification_level=ModificationLevel.LTA_UPDATES,
                              changed_form_fields=set())
        return super().apply(old, new, field_mdp_spec=field_mdp_spec, doc_mdp=doc_mdp)

    def _validation_data_only(self, old: HistoricalResolver, new: HistoricalResolver,
                              field_mdp_spec: Any, doc_mdp: Any) -> bool:
        if (new.revision != old.revision + 1 or doc_mdp is not None
                or field_mdp_spec is not None or new.refs_freed_in_revision()):
            return False
        written = {_key(ref): ref for ref in new.explicit_refs_in_revision()}
        approvals: dict[tuple[int, int], list[ReferenceUpdate]] = defaultdict(list)
        try:
            for rule in self.global_rules:
                for level, update in rule.apply_qualified(old, new):
                    key = _key(update.updated_ref)
                    # pyHanko explains a written object at the level its rule names; only
                    # LTA_UPDATES makes the revision "validation data only"
                    if key in written and level != ModificationLevel.LTA_UPDATES:
                        return False
                    approvals[key].append(update)
            # The form rule confirms the form's unchanged containers; a revision touching a
            # field, a widget or the form itself is not "validation data only".
            for level, form_update in (self.form_rule.apply(old, new) if self.form_rule
                                       else ()):
                if (level > ModificationLevel.LTA_UPDATES
                        or _key(form_update.updated_ref) in written
                        or (form_update.field_name is not None
                            and not form_update.valid_when_locked)):
                    return False
        except SuspiciousModification:
            return False  # pyHanko's full analysis says so, with its own message
        if any(key not in approvals for key in written):
            return False
        xrefs = old.reader.xrefs
        existing = [key for key, ref in written.items()
                    if xrefs.get_historical_ref(ref, old.revision) is not None]
        if not existing:
            return True
        refs = _reference_map(old)
        return all(any(_clears(update, old, _only_path(key, refs)) for update in approvals[key])
                   for key in existing)


def _policy() -> StandardDiffPolicyWithDssShortcut:
    base = DEFAULT_DIFF_POLICY
    if not isinstance(base, StandardDiffPolicy):
        raise TypeError("pyHanko's default difference policy is no longer a StandardDiffPolicy")
    return StandardDiffPolicyWithDssShortcut(
        global_rules=base.global_rules, form_rule=base.form_rule,
        reject_object_freeing=base.reject_object_freeing,
        ignore_orphaned_objects=base.ignore_orphaned_objects,
        ignore_identical_objects=base.ignore_identical_objects)


DIFF_POLICY = _policy()

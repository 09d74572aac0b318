"""A backtracking matcher with ECMAScript's regex semantics, for the patterns Python's `re` rejects.

Python's `re` needs fixed-width lookbehinds without back-references; JavaScript allows any.
Such patterns (rare in filters) run here instead: a direct transcription of the specification's
matchers (continuation-passing, lookbehinds matched right to left, captures reset at each
iteration of a quantified atom). Slower than `re`, so only used when `re` cannot compile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from ._charsets import Ranges, canonicalize, contains
from ._regex_ast import RAlt, RAssert, RBackRef, RChars, RGroup, RLook, RNode, RRepeat, RSeq

Captures = tuple[tuple[int, int] | None, ...]
Continuation = Callable[[int, Captures], bool]
Matcher = Callable[[str, int, Captures, Continuation], bool]

_WORD_CHARS: Final = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_SMALL_SET: Final = 256


class RegexEngine:
    def __init__(self, tree: RNode, group_count: int) -> None:
        self._matcher = _compile(tree, forward=True)
        self._no_captures: Captures = (None,) * group_count

    def search(self, subject: str) -> bool:
        """True when the pattern matches at some index, as `RegExp.prototype.test` without /g."""
        try:
            return any(self._matcher(subject, start, self._no_captures, _accept) for start in range(len(subject) + 1))
        except RecursionError:  # pathological backtracking on a long subject: JavaScript would not give up
            return False


def _accept(position: int, captures: Captures) -> bool:
    return True


def _compile(node: RNode, *, forward: bool) -> Matcher:
    if isinstance(node, RChars):
        return _characters(node.ranges, forward=forward)
    if isinstance(node, RSeq):
        matchers = [_compile(item, forward=forward) for item in node.items]
        return _sequence(matchers if forward else matchers[::-1])
    if isinstance(node, RAlt):
        return _alternation([_compile(option, forward=forward) for option in node.options])
    if isinstance(node, RRepeat):
        return _repeat(node, forward=forward)
    if isinstance(node, RGroup):
        return _group(_compile(node.item, forward=forward), node.index, forward=forward)
    if isinstance(node, RLook):
        return _look(_compile(node.item, forward=not node.behind), negate=node.negate)
    if isinstance(node, RAssert):
        return _assertion(node.kind)
    return _back_reference(node, forward=forward)


def _unit_test(ranges: Ranges) -> Callable[[str], bool]:
    if sum(high - low + 1 for low, high in ranges) <= _SMALL_SET:
        return frozenset(chr(unit) for low, high in ranges for unit in range(low, high + 1)).__contains__
    return lambda char: contains(ranges, ord(char))


def _characters(ranges: Ranges, *, forward: bool) -> Matcher:
    test = _unit_test(ranges)

    def forward_match(subject: str, position: int, captures: Captures, then: Continuation) -> bool:
        return position < len(subject) and test(subject[position]) and then(position + 1, captures)

    def backward_match(subject: str, position: int, captures: Captures, then: Continuation) -> bool:
        return position > 0 and test(subject[position - 1]) and then(position - 1, captures)

    return forward_match if forward else backward_match


def _sequence(matchers: list[Matcher]) -> Matcher:
    if not matchers:
        return lambda subject, position, captures, then: then(position, captures)
    first = matchers[0]
    if len(matchers) == 1:
        return first
    rest = _sequence(matchers[1:])

    def match(subject: str, position: int, captures: Captures, then: Continuation) -> bool:
        return first(subject, position, captures, lambda after, caps: rest(subject, after, caps, then))

    return match


def _alternation(options: list[Matcher]) -> Matcher:
    def match(subject: str, position: int, captures: Captures, then: Continuation) -> bool:
        return any(option(subject, position, captures, then) for option in options)

    return match


def _group(inner: Matcher, index: int, *, forward: bool) -> Matcher:
    slot = index - 1

    def match(subject: str, position: int, captures: Captures, then: Continuation) -> bool:
        def close(after: int, caps: Captures) -> bool:
            span = (position, after) if forward else (after, position)
            return then(after, (*caps[:slot], span, *caps[slot + 1 :]))

        return inner(subject, position, captures, close)

    return match


def _look(inner: Matcher, *, negate: bool) -> Matcher:
    def match(subject: str, position: int, captures: Captures, then: Continuation) -> bool:
        found: list[Captures] = []

        def accept(after: int, caps: Captures) -> bool:
            found.append(caps)
            return True

        if inner(subject, position, captures, accept):
            return not negate and then(position, found[0])
        return negate and then(position, captures)

    return match


def _is_word(subject: str, index: int) -> bool:
    return 0 <= index < len(subject) and subject[index] in _WORD_CHARS


def _assertion(kind: str) -> Matcher:
    def match(subject: str, position: int, captures: Captures, then: Continuation) -> bool:
        if kind == "^":
            holds = position == 0
        elif kind == "$":
            holds = position == len(subject)
        else:
            boundary = _is_word(subject, position - 1) != _is_word(subject, position)
            holds = boundary if kind == "b" else not boundary
        return holds and then(position, captures)

    return match


def _back_reference(node: RBackRef, *, forward: bool) -> Matcher:
    if node.index is None:
        return _sequence([])
    slot = node.index - 1
    same: Callable[[str, str], bool] = (
        (lambda a, b: canonicalize(a) == canonicalize(b)) if node.ignore_case else str.__eq__
    )

    def match(subject: str, position: int, captures: Captures, then: Continuation) -> bool:
        span = captures[slot]
        if span is None:
            return then(position, captures)
        reference = subject[span[0] : span[1]]
        start, end = (position, position + len(reference)) if forward else (position - len(reference), position)
        if start < 0 or end > len(subject) or not same(subject[start:end], reference):
            return False
        return then(end if forward else start, captures)

    return match


def _repeat(node: RRepeat, *, forward: bool) -> Matcher:
    if isinstance(node.item, RChars):
        return _repeat_characters(node, _unit_test(node.item.ranges), forward=forward)
    item = _compile(node.item, forward=forward)
    first, count = node.first_group, node.group_count
    cleared = (None,) * count

    def repeat(subject: str, position: int, captures: Captures, then: Continuation, low: int, high: int | None) -> bool:
        if high == 0:
            return then(position, captures)
        reset = (*captures[:first], *cleared, *captures[first + count :]) if count else captures

        def again(after: int, caps: Captures) -> bool:
            if low == 0 and after == position:  # an empty iteration past the minimum ends the loop
                return False
            return repeat(subject, after, caps, then, max(low - 1, 0), None if high is None else high - 1)

        if low > 0:
            return item(subject, position, reset, again)
        if not node.greedy:
            return then(position, captures) or item(subject, position, reset, again)
        return item(subject, position, reset, again) or then(position, captures)

    return lambda subject, position, captures, then: repeat(subject, position, captures, then, node.low, node.high)


def _repeat_characters(node: RRepeat, test: Callable[[str], bool], *, forward: bool) -> Matcher:
    """A quantified set, iteratively: the common case, and no recursion per repetition."""
    low, high, greedy = node.low, node.high, node.greedy
    step = 1 if forward else -1

    def match(subject: str, position: int, captures: Captures, then: Continuation) -> bool:
        limit = len(subject) - position if forward else position
        if high is not None:
            limit = min(limit, high)
        run = 0
        while run < limit and test(subject[position + run if forward else position - 1 - run]):
            run += 1
        if run < low:
            return False
        counts = range(run, low - 1, -1) if greedy else range(low, run + 1)
        return any(then(position + step * count, captures) for count in counts)

    return match

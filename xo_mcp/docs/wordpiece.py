"""BERT's WordPiece tokenizer (uncased), in pure Python: text to the model's token ids.

The same steps as BERT's reference `BasicTokenizer` + `WordpieceTokenizer` (and Hugging Face's
`BertTokenizer` with `do_lower_case=True`), so ids agree with what the model was trained on:
1. clean: drop NUL, U+FFFD and control characters; every whitespace character is a space;
2. put spaces around CJK ideographs (each is a word);
3. split on whitespace; lower-case, strip accents (NFD, drop combining marks);
4. split off every punctuation character as its own word;
5. each word, greedy longest-match-first against the vocabulary, continuation pieces prefixed `##`;
   a word with an unmatchable rest (or longer than MAX_WORD_CHARS) is `[UNK]` as a whole.

Used at query time (a question's pieces) and at build time (the model's input), never imported at start-up.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from pathlib import Path

MAX_WORD_CHARS = 100
UNKNOWN = "[UNK]"
CLS = "[CLS]"
SEP = "[SEP]"


def _is_whitespace(char: str) -> bool:
    return char in " \t\n\r" or unicodedata.category(char) == "Zs"


def _is_control(char: str) -> bool:
    return char not in "\t\n\r" and unicodedata.category(char) in ("Cc", "Cf")


def _is_punctuation(char: str) -> bool:
    # All non-letter/number ASCII is punctuation for BERT ("$", "`", "^" are not in Unicode's P classes).
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def basic_words(text: str) -> list[str]:
    """Steps 1-4: lower-cased, accent-free words and single punctuation characters."""
    cleaned = []
    for char in text:
        code = ord(char)
        if code == 0 or code == 0xFFFD or _is_control(char):
            continue
        if _is_whitespace(char):
            cleaned.append(" ")
        elif _is_cjk(code):
            cleaned.append(f" {char} ")
        else:
            cleaned.append(char)
    found: list[str] = []
    for word in "".join(cleaned).split():
        word = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if unicodedata.category(c) != "Mn")
        current = ""
        for char in word:
            if _is_punctuation(char):
                if current:
                    found.append(current)
                found.append(char)
                current = ""
            else:
                current += char
        if current:
            found.append(current)
    return found


class WordPiece:
    """A vocabulary (`vocab.txt`, one piece a line, its line number its id) and the tokenizer over it."""

    def __init__(self, pieces: Sequence[str]) -> None:
        self.pieces = list(pieces)
        self.ids = {piece: number for number, piece in enumerate(self.pieces)}
        self.unknown = self.ids[UNKNOWN]
        self.cls = self.ids[CLS]
        self.sep = self.ids[SEP]
        self._word = functools.lru_cache(maxsize=65536)(self._word_ids)

    @classmethod
    def from_file(cls, path: Path) -> WordPiece:
        return cls(path.read_text(encoding="utf-8").splitlines())

    def tokenize(self, text: str) -> list[int]:
        """The ids of `text`'s pieces, without [CLS]/[SEP]."""
        return [piece for word in basic_words(text) for piece in self._word(word)]

    def encode(self, text: str, max_tokens: int) -> list[int]:
        """[CLS] pieces [SEP], the pieces cut so that the whole is at most `max_tokens` long."""
        return [self.cls, *self.tokenize(text)[: max_tokens - 2], self.sep]

    def _word_ids(self, word: str) -> tuple[int, ...]:
        if len(word) > MAX_WORD_CHARS:
            return (self.unknown,)
        found = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                number = self.ids.get(piece)
                if number is not None:
                    found.append(number)
                    break
                end -= 1
            else:
                return (self.unknown,)
            start = end
        return tuple(found)

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinhso.core.text import UnsafeText, clean_text, fold


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Đăng ký khai sinh", "dang ky khai sinh"), ("ĐĂNG KÝ  KẾT HÔN", "dang ky ket hon"),
     ("Thanh Hóa", "thanh hoa"), ("Thanh Hoá", "thanh hoa")],
)
def test_fold_removes_tone_marks_and_case(text, folded):
    assert fold(text) == folded


@given(st.text())
def test_fold_is_the_same_for_composed_and_decomposed_text(text):
    assert fold(unicodedata.normalize("NFC", text)) == fold(unicodedata.normalize("NFD", text))


@given(st.text())
def test_clean_text_output_is_always_nfc_or_it_refuses(text):
    try:
        cleaned = clean_text(text)
    except UnsafeText:
        return
    assert unicodedata.is_normalized("NFC", cleaned)


@pytest.mark.parametrize("text", ["a\x00b", "tên\u202egnal", "x\u200by", "hai\ndòng"])
def test_clean_text_refuses_control_and_invisible_characters(text):
    with pytest.raises(UnsafeText):
        clean_text(text)
